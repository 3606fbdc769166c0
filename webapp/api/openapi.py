"""The OpenAPI 3 document of /api/v1, generated from the marshmallow schemas."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from engine.domain import INSTANCE_STATUSES, REPAIRS_FROM
from engine.services.accounts import PasswordChangeSchema
from engine.services.admin_trail import AdminEventFilterSchema
from engine.services.canned_replies import NewReplySchema, RenderRequest, ReplyChangeSchema, ReplyFilterSchema
from engine.services.instances import InstanceFilterSchema
from engine.services.links import NewPasswordSchema, ResetRequestSchema
from engine.services.mail_intake import RECORDED_OUTCOMES
from engine.services.mail_log import MailFilterSchema
from engine.services.mail_template_editing import PreviewSchema, TemplateTextSchema
from engine.services.organisations import NewOrganisationSchema, OrganisationChangeSchema
from engine.services.saved_views import NewViewSchema, ViewChangeSchema
from engine.services.staff_notifications import MarkReadRequest
from engine.services.tasks import AssignRequest
from engine.services.ticket_bulk import MAX_KEYS, BulkRequest
from engine.services.ticket_changes import TicketChangeSchema
from engine.services.ticket_list import TicketFilterSchema
from engine.services.tickets import NewTicketSchema
from engine.services.users import NewUserSchema, UserChangeSchema, UserFilterSchema
from webapp.api import api
from webapp.api import schemas as s

_ERRORS = {
    "401": "No or a bad bearer token.", "403": "The caller's roles do not allow this.",
    "404": "Not found, or not visible to the caller.",
    "409": "The state moved on (already completed, suspended), or someone else holds the task (`assignee`).",
    "422": "Invalid input; `errors` says which.",
    "410": "The link was used already or has expired.",
    "429": "Too many failed sign-ins (or password resets) from the caller's address; try again in 15 minutes.",
}


def _errors(*codes: str) -> dict:
    return {code: {"description": _ERRORS[code], "content": {"application/json": {"schema": "Error"}}}
            for code in codes}


def _responses(ok_code: str, ok_schema, *errors: str) -> dict:
    return {ok_code: {"description": "OK", "content": {"application/json": {"schema": ok_schema}}}, **_errors(*errors)}


def _no_content(*errors: str) -> dict:
    return {"204": {"description": "Done; the answer has no body"}, **_errors(*errors)}


def _json_body(schema) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_param(name: str, kind: str = "string") -> dict:
    return {"in": "path", "name": name, "required": True, "schema": {"type": kind}}


def build_spec() -> dict:
    spec = APISpec(title="supportflow API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Tickets, tasks, process instances and definitions of supportflow."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # Nested schemas first: apispec registers a nested schema by itself when it meets it.
    for name in ("Error", "TokenRequest", "TokenResponse", "CompleteRequest", "TerminateRequest", "Task",
                 "NewComment", "Comment", "Attachment", "TicketSummary", "Ticket", "Instance", "InstanceDetail",
                 "ProcessVersion", "Deployed", "Organisation", "OrganisationList", "User", "UserList",
                 "AdminEvent", "AdminEventPage"):
        spec.components.schema(name, schema=getattr(s, name))
    spec.components.schema("NewTicket", schema=NewTicketSchema)
    spec.components.schema("PasswordChange", schema=PasswordChangeSchema)
    spec.components.schema("AssignRequest", schema=AssignRequest)
    for name, schema in (("NewOrganisation", NewOrganisationSchema), ("OrganisationChange", OrganisationChangeSchema),
                         ("NewUser", NewUserSchema), ("UserChange", UserChangeSchema),
                         ("ResetRequest", ResetRequestSchema), ("NewPassword", NewPasswordSchema)):
        spec.components.schema(name, schema=schema)
    spec.components.schema("Notifications", schema=s.Notifications)
    spec.components.schema("MarkRead", schema=MarkReadRequest)
    array = lambda name: {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}  # noqa: E731
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    task_id, instance_id = _path_param("task_id"), _path_param("instance_id", "integer")
    paths = {
        "/auth/token": {
            "post": {"summary": "Sign in", "requestBody": _json_body("TokenRequest"),
                     "responses": _responses("200", "TokenResponse", "401", "422", "429")},
            "delete": {"summary": "Revoke the token of this call: it stops working at once", "security": secured,
                       "responses": _no_content("401")},
        },
        "/auth/password": {"post": {
            "summary": "Change one's password (at least 10 characters, not common, not the user name); every "
                       "other token of the user stops working, this one goes on",
            "security": secured, "requestBody": _json_body("PasswordChange"),
            "responses": _no_content("401", "422", "429")}},
        "/tickets": {
            "post": {"summary": "Submit a ticket (support masters pass organisation)", "security": secured,
                     "requestBody": _json_body("NewTicket"),
                     "responses": _responses("201", "Ticket", "401", "403", "422")},
            "get": {"summary": "A page of the tickets the caller may see (customers: their organisation's; the "
                               "filters by task are for staff), keyset-paged by `next`/`before`, with counts per "
                               "status", "security": secured,
                    "parameters": [{"in": "query", "schema": TicketFilterSchema}],
                    "responses": _responses("200", "TicketPage", "401", "403", "422")},
        },
        "/tickets/{key}": {
            "get": {"summary": "One ticket with its trail and open tasks", "security": secured,
                    "parameters": [_path_param("key")], "responses": _responses("200", "Ticket", "401", "404")},
            "patch": {"summary": "Change priority, category, system, labels or relates_to links (support masters "
                                 "and product owners; closed tickets too); one ticket_changed event. A new "
                                 "category the process waits for (category_<new>) is also its message_delivered "
                                 "step: 409 when the process cannot take it now (suspended)",
                      "security": secured, "parameters": [_path_param("key")],
                      "requestBody": _json_body("TicketChange"),
                      "responses": _responses("200", "Ticket", "401", "403", "404", "409", "422")}},
        "/tickets/{key}/comments": {"post": {
            "summary": "Comment on a ticket (internal: staff only)", "security": secured,
            "parameters": [_path_param("key")], "requestBody": _json_body("NewComment"),
            "responses": _responses("201", "Comment", "401", "403", "404", "422")}},
        "/tickets/{key}/reopen": {"post": {
            "summary": "Reopen a closed ticket within the window after closing (else 409: comment instead, "
                       "which opens a follow-up ticket)", "security": secured,
            "parameters": [_path_param("key")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
            "responses": _responses("200", "Ticket", "401", "403", "404", "409", "422")}},
        "/tickets/{key}/merge": {"post": {
            "summary": "Merge a duplicate into another open ticket of the same organisation (support masters): its "
                       "comments and files move there, the customer is told, it closes as duplicate (409 when it "
                       "is closed)", "security": secured,
            "parameters": [_path_param("key")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["into"], "properties": {"into": {"type": "string"}}}}}},
            "responses": _responses("200", "Ticket", "401", "403", "404", "409", "422")}},
        "/tickets/{key}/withdraw": {"post": {
            "summary": "Withdraw a ticket (its customer, or a support master): it closes as withdrawn (409 when it "
                       "is closed)", "security": secured,
            "parameters": [_path_param("key")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
            "responses": _responses("200", "Ticket", "401", "403", "404", "409", "422")}},
        "/tickets/{key}/attachments": {"post": {
            "summary": "Attach a file: PNG, JPEG, GIF, WebP, PDF or UTF-8 text, at most 10 MiB",
            "security": secured,
            "parameters": [_path_param("key")],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "internal": {"type": "boolean"}}}}}},
            "responses": _responses("201", "Attachment", "401", "403", "404", "422")}},
        "/tickets/{key}/attachments/{attachment_id}": {"get": {
            "summary": "Download an attachment", "security": secured,
            "parameters": [_path_param("key"), _path_param("attachment_id", "integer"),
                           {"in": "query", "name": "inline", "schema": {"type": "string", "enum": ["1"]},
                            "description": "Show images inline instead of downloading"}],
            "responses": {"200": {"description": "The file", "content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}},
                "401": {"description": _ERRORS["401"]}, "404": {"description": _ERRORS["404"]}}}},
        "/tasks": {"get": {"summary": "The caller's inbox: the tasks suggested to them first, then oldest first",
                           "security": secured,
                           "parameters": [{"in": "query", "name": "assigned", "schema": {"type": "string",
                                                                                          "enum": ["me"]},
                                           "description": "me: only the tasks assigned to (or claimed by) the caller"}],
                           "responses": _responses("200", array("Task"), "401", "422")}},
        "/notifications": {"get": {"summary": "The caller's notifications, newest first, and how many are unread",
                                   "security": secured, "responses": _responses("200", "Notifications", "401")}},
        "/notifications/read": {"post": {
            "summary": "Mark notifications read: some (ids) or all", "security": secured,
            "requestBody": _json_body("MarkRead"),
            "responses": _responses("200", {"type": "object", "properties": {
                "marked": {"type": "integer"}, "unread": {"type": "integer"}}}, "401", "422")}},
        "/tasks/{task_id}/claim": {"post": {"summary": "Claim a task", "security": secured, "parameters": [task_id],
                                            "responses": _responses("200", "Task", "401", "403", "404", "409")}},
        "/tasks/{task_id}/unclaim": {"post": {"summary": "Release a task", "security": secured,
                                              "parameters": [task_id],
                                              "responses": _responses("200", "Task", "401", "403", "404", "409")}},
        "/tasks/{task_id}/assign": {"post": {
            "summary": "Hand a task to someone who holds its role, or take it back (null; support masters and "
                       "product owners; audited, and the new holder is notified)",
            "security": secured, "parameters": [task_id], "requestBody": _json_body("AssignRequest"),
            "responses": _responses("200", "Task", "401", "403", "404", "409", "422")}},
        "/tasks/{task_id}/complete": {"post": {
            "summary": "Complete a task with its form data", "security": secured, "parameters": [task_id],
            "requestBody": _json_body("CompleteRequest"),
            "responses": _responses("200", "Ticket", "401", "403", "404", "409", "422")}},
        "/instances": {"get": {"summary": "Process instances (ops)", "security": secured,
                               "parameters": [{"in": "query", "schema": InstanceFilterSchema}],
                               "responses": _responses("200", array("Instance"), "401", "403", "422")}},
        "/instances/{instance_id}": {"get": {"summary": "One instance (ops)", "security": secured,
                                             "parameters": [instance_id],
                                             "responses": _responses("200", "InstanceDetail", "401", "403", "404")}},
        "/processes": {
            "get": {"summary": "Deployed process versions", "security": secured,
                    "responses": _responses("200", array("ProcessVersion"), "401", "403")},
            "post": {"summary": "Deploy a new version (BPMN XML body)", "security": secured,
                     "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
                     "responses": _responses("201", "Deployed", "401", "403", "422")},
        },
        "/processes/{process_id}/versions/{number}/bpmn": {"get": {
            "summary": "Download a version's BPMN", "security": secured,
            "parameters": [_path_param("process_id"), _path_param("number", "integer")],
            "responses": {"200": {"description": "BPMN XML",
                                  "content": {"application/xml": {"schema": {"type": "string"}}}},
                          "401": {"description": _ERRORS["401"]}, "403": {"description": _ERRORS["403"]},
                          "404": {"description": _ERRORS["404"]}}}},
    }
    obj = {"type": "object"}
    paths["/instances/counts"] = {"get": {
        "summary": "How many instances are in each status (ops)", "security": secured,
        "parameters": [{"in": "query", "name": "process", "schema": {"type": "string"}}],
        "responses": _responses("200", {"type": "object", "properties": {
            status: {"type": "integer"} for status in INSTANCE_STATUSES}}, "401", "403")}}
    paths["/instances/errors"] = {"get": {
        "summary": "The error inbox: instances in error grouped by the failing element (ops)", "security": secured,
        "responses": _responses("200", {"type": "array", "items": obj}, "401", "403")}}
    paths["/ops/mail"] = {"get": {
        "summary": "Incoming mail, newest first, each with its outcome and reason (ops)", "security": secured,
        "parameters": [{"in": "query", "schema": MailFilterSchema}],
        "responses": _responses("200", {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "message_id": {"type": "string"}, "from": {"type": "string"},
            "subject": {"type": "string"}, "received_at": {"type": "string"}, "source": {"type": "string"},
            "outcome": {"type": "string", "enum": list(RECORDED_OUTCOMES)}, "reason": {"type": "string"},
            "ticket_key": {"type": "string", "nullable": True}, "size": {"type": "integer"},
            "auto_replied": {"type": "boolean"}}}}, "401", "403", "422")}}
    paths["/instances/bulk"] = {"post": {
        "summary": "suspend, resume, retry or terminate many instances (ops)", "security": secured,
        "requestBody": _json_body({"type": "object", "required": ["action", "ids"], "properties": {
            "action": {"type": "string", "enum": list(REPAIRS_FROM)},
            "ids": {"type": "array", "items": {"type": "integer"}}, "reason": {"type": "string"}}}),
        "responses": _responses("200", obj, "401", "403", "422")}}
    paths["/instances/{instance_id}/timers/{task_id}/fire"] = {"post": {
        "summary": "Fire a pending timer now (ops)", "security": secured,
        "parameters": [instance_id, _path_param("task_id")],
        "responses": _responses("200", "InstanceDetail", "401", "403", "404", "409")}}
    paths["/processes/{process_id}/versions/{number}/heatmap"] = {"get": {
        "summary": "Instances and runs per element, median open time of user tasks", "security": secured,
        "parameters": [_path_param("process_id"), _path_param("number", "integer")],
        "responses": _responses("200", obj, "401", "403", "404")}}
    paths["/instances/{instance_id}/data"] = {"post": {
        "summary": "Change an instance's data, audited with a reason (ops)", "security": secured,
        "parameters": [instance_id],
        "requestBody": _json_body({"type": "object", "required": ["changes", "reason"], "properties": {
            "changes": {"type": "object"}, "reason": {"type": "string"}}}),
        "responses": _responses("200", "InstanceDetail", "401", "403", "404", "409", "422")}}
    paths["/processes/validate"] = {"post": {
        "summary": "Every problem a deploy would refuse, without deploying (process owners)", "security": secured,
        "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
        "responses": _responses("200", {"type": "object", "properties": {
            "valid": {"type": "boolean"}, "process_id": {"type": "string", "nullable": True},
            "problems": {"type": "array", "items": obj}, "warnings": {"type": "array", "items": obj}}},
            "401", "403")}}
    paths["/processes/{process_id}/diff"] = {"get": {
        "summary": "Elements and flows added, removed and changed between two versions", "security": secured,
        "parameters": [_path_param("process_id"),
                       {"in": "query", "name": "from", "required": True, "schema": {"type": "integer"}},
                       {"in": "query", "name": "to", "required": True, "schema": {"type": "integer"}}],
        "responses": _responses("200", obj, "401", "403", "404", "422")}}
    paths["/processes/{process_id}/migrate"] = {"post": {
        "summary": "Move running instances from one version to another (dry run by default)", "security": secured,
        "parameters": [_path_param("process_id")],
        "requestBody": _json_body({"type": "object", "required": ["from", "to"], "properties": {
            "from": {"type": "integer"}, "to": {"type": "integer"},
            "instances": {"type": "array", "items": {"type": "integer"}}, "dry_run": {"type": "boolean"}}}),
        "responses": _responses("200", obj, "401", "403", "404", "422")}}
    for action in ("suspend", "resume", "retry"):
        paths[f"/instances/{{instance_id}}/{action}"] = {"post": {
            "summary": f"{action.capitalize()} an instance (ops)", "security": secured, "parameters": [instance_id],
            "responses": _responses("200", "InstanceDetail", "401", "403", "404", "409")}}
    paths["/instances/{instance_id}/terminate"] = {"post": {
        "summary": "Terminate an instance with a reason (ops)", "security": secured, "parameters": [instance_id],
        "requestBody": _json_body("TerminateRequest"),
        "responses": _responses("200", "InstanceDetail", "401", "403", "404", "409", "422")}}
    paths.update(_administration(secured))
    paths.update(_replies(spec, secured))
    paths.update(_mail_templates(spec, secured))
    paths.update(_ticket_list(spec, secured))
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["servers"] = [{"url": "/api/v1"}]
    return document


def _administration(secured: list) -> dict:
    """Organisations, people, the admin trail (admins), and password resets by a mailed link (everyone)."""
    organisation_id, username = _path_param("organisation_id", "integer"), _path_param("username")
    return {
        "/organisations": {
            "post": {"summary": "Create an organisation (admins)", "security": secured,
                     "requestBody": _json_body("NewOrganisation"),
                     "responses": _responses("201", "Organisation", "401", "403", "422")},
            "get": {"summary": "Every organisation (admins)", "security": secured,
                    "responses": _responses("200", "OrganisationList", "401", "403")}},
        "/organisations/{organisation_id}": {
            "get": {"summary": "One organisation (admins)", "security": secured, "parameters": [organisation_id],
                    "responses": _responses("200", "Organisation", "401", "403", "404")},
            "patch": {"summary": "Change an organisation; inactive: its people cannot sign in (admins)",
                      "security": secured, "parameters": [organisation_id],
                      "requestBody": _json_body("OrganisationChange"),
                      "responses": _responses("200", "Organisation", "401", "403", "404", "422")}},
        "/users": {
            "post": {"summary": "Invite a person: the invitation mail with a single-use link (7 days) goes to the "
                                "outbox; customers need an organisation, staff have none (admins)",
                     "security": secured, "requestBody": _json_body("NewUser"),
                     "responses": _responses("201", "User", "401", "403", "422")},
            "get": {"summary": "People, by organisation (id or name), role and activity (admins)",
                    "security": secured, "parameters": [{"in": "query", "schema": UserFilterSchema}],
                    "responses": _responses("200", "UserList", "401", "403", "422")}},
        "/users/{username}": {
            "get": {"summary": "One person (admins)", "security": secured, "parameters": [username],
                    "responses": _responses("200", "User", "401", "403", "404")},
            "patch": {"summary": "Change a person; active false revokes their tokens and links at once and "
                                 "releases the open tasks they held (admins; not oneself)",
                      "security": secured, "parameters": [username], "requestBody": _json_body("UserChange"),
                      "responses": _responses("200", "User", "401", "403", "404", "422")}},
        "/users/{username}/invitation": {"post": {
            "summary": "Send the invitation again; the earlier link stops working (admins)", "security": secured,
            "parameters": [username], "responses": _responses("200", "User", "401", "403", "404", "409")}},
        "/admin/events": {"get": {
            "summary": "The admin trail, newest first (admins)", "security": secured,
            "parameters": [{"in": "query", "schema": AdminEventFilterSchema}],
            "responses": _responses("200", "AdminEventPage", "401", "403", "422")}},
        "/auth/reset": {"post": {
            "summary": "Ask for a password reset link by mail: 202 whatever the address (a mail goes out only to "
                       "an active person who has it); throttled per address and per client",
            "requestBody": _json_body("ResetRequest"),
            "responses": {"202": {"description": "Accepted; the answer has no body"}, **_errors("422", "429")}}},
        "/auth/reset/{token}": {"post": {
            "summary": "Set the password with a mailed link (reset or invitation): once; every token of the "
                       "person stops working", "parameters": [_path_param("token")],
            "requestBody": _json_body("NewPassword"), "responses": _no_content("404", "410", "422")}},
    }


def _replies(spec: APISpec, secured: list) -> dict:
    """Canned replies (staff; shared ones are changed by support masters and admins only)."""
    for name in ("Reply", "ReplyList", "RenderedReply"):
        spec.components.schema(name, schema=getattr(s, name))
    for name, schema in (("NewReply", NewReplySchema), ("ReplyChange", ReplyChangeSchema),
                         ("RenderRequest", RenderRequest)):
        spec.components.schema(name, schema=schema)
    reply_id = _path_param("reply_id", "integer")
    return {
        "/replies": {
            "get": {"summary": "The shared canned replies and the caller's own, by title (staff)", "security": secured,
                    "parameters": [{"in": "query", "schema": ReplyFilterSchema}],
                    "responses": _responses("200", "ReplyList", "401", "403", "422")},
            "post": {"summary": "Create a canned reply; the text's placeholders are checked (shared: support masters "
                                "and admins)", "security": secured, "requestBody": _json_body("NewReply"),
                     "responses": _responses("201", "Reply", "401", "403", "422")}},
        "/replies/{reply_id}": {
            "get": {"summary": "One canned reply (someone else's personal one is 404)", "security": secured,
                    "parameters": [reply_id], "responses": _responses("200", "Reply", "401", "403", "404")},
            "patch": {"summary": "Change a canned reply (shared: support masters and admins)", "security": secured,
                      "parameters": [reply_id], "requestBody": _json_body("ReplyChange"),
                      "responses": _responses("200", "Reply", "401", "403", "404", "422")},
            "delete": {"summary": "Delete a canned reply (shared: support masters and admins)", "security": secured,
                       "parameters": [reply_id], "responses": _no_content("401", "403", "404")}},
        "/replies/{reply_id}/render": {"post": {
            "summary": "The reply filled in for a ticket, in the reply's language", "security": secured,
            "parameters": [reply_id], "requestBody": _json_body("RenderRequest"),
            "responses": _responses("200", "RenderedReply", "401", "403", "404", "422")}},
    }


def _mail_templates(spec: APISpec, secured: list) -> dict:
    """The mail templates (process owners and admins)."""
    for name in ("MailTemplateList", "MailTemplate", "MailPreview"):
        spec.components.schema(name, schema=getattr(s, name))
    spec.components.schema("MailTemplateText", schema=TemplateTextSchema)
    spec.components.schema("MailPreviewRequest", schema=PreviewSchema)
    one = [_path_param("name"), _path_param("language")]
    return {
        "/mail-templates": {"get": {
            "summary": "Every mail template, what it is for and its languages", "security": secured,
            "responses": _responses("200", "MailTemplateList", "401", "403")}},
        "/mail-templates/{name}/{language}": {
            "get": {"summary": "One template in one language, its placeholders and its shipped text",
                    "security": secured, "parameters": one,
                    "responses": _responses("200", "MailTemplate", "401", "403", "404")},
            "put": {"summary": "Change the template (a placeholder it has not is refused, naming the line); the next "
                               "mail says it, those written already stay; on the admin trail", "security": secured,
                    "parameters": one, "requestBody": _json_body("MailTemplateText"),
                    "responses": _responses("200", "MailTemplate", "401", "403", "404", "422")}},
        "/mail-templates/{name}/{language}/reset": {"post": {
            "summary": "The template back to the shipped text; on the admin trail", "security": secured,
            "parameters": one, "responses": _responses("200", "MailTemplate", "401", "403", "404")}},
        "/mail-templates/{name}/{language}/preview": {"post": {
            "summary": "The template, or texts not saved yet, as the recipient gets it (subject, text, HTML), "
                       "from a sample ticket or the one named", "security": secured, "parameters": one,
            "requestBody": {"content": {"application/json": {"schema": "MailPreviewRequest"}}},
            "responses": _responses("200", "MailPreview", "401", "403", "404", "422")}},
    }


def _ticket_list(spec: APISpec, secured: list) -> dict:
    """The ticket list's saved views (staff; shared ones by support masters and admins) and bulk actions."""
    for name in ("TicketPage", "SavedView", "SavedViewList", "BulkResults"):
        spec.components.schema(name, schema=getattr(s, name))
    for name, schema in (("NewView", NewViewSchema), ("ViewChange", ViewChangeSchema), ("BulkRequest", BulkRequest),
                         ("TicketChange", TicketChangeSchema)):
        spec.components.schema(name, schema=schema)
    view_id = _path_param("view_id", "integer")
    return {
        "/tickets/bulk": {"post": {
            "summary": f"One action on up to {MAX_KEYS} tickets, each done or refused with its reason: assign "
                       "(their open staff tasks in a role the user holds; task:assign), label (add one), priority "
                       "(both ticket:change)", "security": secured, "requestBody": _json_body("BulkRequest"),
            "responses": _responses("200", "BulkResults", "401", "403", "422")}},
        "/views": {
            "get": {"summary": "The shared views of the ticket list, then the caller's own (staff)",
                    "security": secured, "responses": _responses("200", "SavedViewList", "401", "403")},
            "post": {"summary": "Save a view: a name and the list's filters (shared: support masters and admins)",
                     "security": secured, "requestBody": _json_body("NewView"),
                     "responses": _responses("201", "SavedView", "401", "403", "422")}},
        "/views/{view_id}": {
            "patch": {"summary": "Change a view (shared: support masters and admins; built-in ones: 409)",
                      "security": secured, "parameters": [view_id], "requestBody": _json_body("ViewChange"),
                      "responses": _responses("200", "SavedView", "401", "403", "404", "409", "422")},
            "delete": {"summary": "Delete a view (shared: support masters and admins; built-in ones: 409)",
                       "security": secured, "parameters": [view_id],
                       "responses": _no_content("401", "403", "404", "409")}},
    }


@api.get("/openapi.json")
def openapi_document():
    cache = current_app.extensions.setdefault("openapi", build_spec())
    return cache
