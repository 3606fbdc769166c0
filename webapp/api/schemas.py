"""Marshmallow schemas of the API's own bodies (ticket input schemas live with the engine's services)
and of its answers, for validation and for the OpenAPI document."""

from marshmallow import Schema, fields, validate

from engine.domain import MAX_VERSION


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class TokenResponse(Schema):
    token = fields.String(required=True)


class CompleteRequest(Schema):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "The task's form values, keyed by field key."})


class TerminateRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class Error(Schema):
    error = fields.String(required=True)
    errors = fields.Raw(metadata={"description": "{field: [messages]} or [{element, message}]"})
    assignee = fields.String(metadata={"description": "409 for a task someone else holds: their user name"})


class Event(Schema):
    at = fields.String()
    actor = fields.String()
    kind = fields.String()
    element = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True, metadata={
        "description": "The element's name in the caller's language, where the event is of a diagram's element"})
    markdown_fields = fields.List(fields.String(), metadata={
        "description": "A completed task's: the keys of its data written in Markdown (its form's text areas)"})
    detail = fields.Dict()


class Task(Schema):
    id = fields.String()
    task = fields.String(metadata={"description": "The BPMN id of the user task"})
    name = fields.String(metadata={"description": "The task's name in the caller's language"})
    names = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The task's name in each language: {en, de} (its diagram's name:<language> properties)"})
    lane = fields.String()
    role = fields.String()
    ticket_key = fields.String()
    ticket_title = fields.String(allow_none=True)
    priority = fields.String(allow_none=True)
    created_at = fields.String()
    due_at = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    suggested_assignee = fields.String(allow_none=True, metadata={
        "description": "The contact person of the ticket's organisation, when they hold the task's role; tasks are "
                       "never assigned by themselves"})
    form = fields.Dict(metadata={"description": "The form-js schema of the task's form"})
    board_column = fields.String(allow_none=True, metadata={
        "description": "The developers' board column the task shows in (its diagram property board_column)"})
    offer = fields.String(allow_none=True, metadata={
        "description": "The task's part in a feature's offer: estimate, approval or decision (diagram property)"})


class Notification(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "task_ready, task_assigned, customer_answered, "
                                                  "customer_commented or mentioned"})
    at = fields.String()
    read = fields.Boolean()
    ticket_key = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    text = fields.String(metadata={"description": "What happened, in the caller's language"})
    url = fields.String(metadata={"description": "The page it leads to (a path)"})


class Notifications(Schema):
    items = fields.List(fields.Nested(Notification), metadata={"description": "Newest first, at most 100"})
    unread = fields.Integer()


class TicketSummary(Schema):
    key = fields.String()
    title = fields.String()
    category = fields.String()
    priority = fields.String()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    status_text = fields.String(metadata={"description": "The status in words, as the caller reads it"})
    resolution_text = fields.String(allow_none=True, metadata={
        "description": "The resolution in words; customers read it as their reply named it"})
    organisation = fields.String()
    organisation_id = fields.Integer()
    labels = fields.List(fields.String())
    created_at = fields.String()
    updated_at = fields.String()


class TicketPage(Schema):
    items = fields.List(fields.Nested(TicketSummary))
    next = fields.String(metadata={"description": "Absent on the last page; else pass it back as `before`"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "{status: how many tickets} under the same filters but the status"})


class SavedView(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "Built-in views' names in the caller's language"})
    builtin = fields.String(allow_none=True, metadata={
        "description": "my_open, unassigned, waiting_for_customer, reopened, overdue: shipped, never changed"})
    shared = fields.Boolean()
    filters = fields.Dict(keys=fields.String(), values=fields.String())
    position = fields.Integer()
    created_at = fields.String()


class SavedViewList(Schema):
    items = fields.List(fields.Nested(SavedView))


class BulkResult(Schema):
    key = fields.String()
    ok = fields.Boolean()
    error = fields.String(metadata={"description": "Why this ticket was refused (only when ok is false)"})


class BulkResults(Schema):
    results = fields.List(fields.Nested(BulkResult))


class NewComment(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    internal = fields.Boolean(load_default=False, metadata={"description": "Staff only: hidden from customers"})


class Comment(Schema):
    id = fields.Integer()
    author = fields.String()
    body = fields.String()
    internal = fields.Boolean()
    created_at = fields.String()
    reopened = fields.Boolean(metadata={"description": "A customer's comment reopened the closed ticket"})
    follow_up = fields.String(metadata={"description": "The follow-up ticket a comment on a closed ticket opened"})


class Attachment(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String(metadata={"description": "Detected from the bytes"})
    size = fields.Integer()
    internal = fields.Boolean()
    uploaded_by = fields.String()
    created_at = fields.String()


class Ticket(TicketSummary):
    description = fields.String()
    system = fields.String(allow_none=True)
    channel = fields.String()
    links = fields.List(fields.Dict())
    events = fields.List(fields.Nested(Event))
    open_tasks = fields.List(fields.Nested(Task))
    invoice = fields.Dict(allow_none=True)
    reopen_until = fields.String(allow_none=True, metadata={
        "description": "Until when the closed ticket can be reopened (ISO 8601); null when it cannot"})
    event_count = fields.Integer(metadata={"description": "Only in GET /tickets/{key}: entries on the trail"})
    comments = fields.List(fields.Nested(Comment), metadata={"description": "Only in GET /tickets/{key}"})
    attachments = fields.List(fields.Nested(Attachment), metadata={"description": "Only in GET /tickets/{key}"})


class Instance(Schema):
    id = fields.Integer()
    process_id = fields.String()
    version = fields.Integer()
    status = fields.String()
    ticket_key = fields.String(allow_none=True)
    steps = fields.Integer()
    created_at = fields.String()
    updated_at = fields.String()
    last_error = fields.Dict(allow_none=True)


class InstanceDetail(Instance):
    pinned_versions = fields.Dict()
    ready_tasks = fields.List(fields.Dict())
    completed_tasks = fields.List(fields.Dict())
    data = fields.Dict()
    timers = fields.List(fields.Dict(), metadata={"description": "pending timers: task_id, element, name, due_at"})
    events = fields.List(fields.Nested(Event))
    state_bytes = fields.Integer()
    element_runs = fields.List(fields.Dict(), metadata={"description": "how often each element ran"})
    active_elements = fields.List(fields.String(), metadata={
        "description": "where the instance waits now: open user tasks and the call activities above them"})


class ProcessVersion(Schema):
    process_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    deployed_at = fields.String()
    deployed_by = fields.String(allow_none=True)
    running_instances = fields.Integer()
    called_processes = fields.List(fields.String())


class Deployed(Schema):
    process_id = fields.String()
    version = fields.Integer()
    created = fields.Boolean()
    warnings = fields.List(fields.Dict(), metadata={
        "description": "[{element, message}]: what deploys but fails when it runs (a condition reading a name "
                       "nothing provides)"})


class DiffQuery(Schema):
    from_ = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1, max=MAX_VERSION))
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_VERSION))


class Organisation(Schema):
    id = fields.Integer()
    name = fields.String()
    domains = fields.List(fields.String(), metadata={"description": "E-mail domains of its people, lower case"})
    contact = fields.String(allow_none=True, metadata={"description": "The personal contact's user name (staff)"})
    contact_name = fields.String(allow_none=True)
    notes = fields.String()
    active = fields.Boolean(metadata={"description": "An inactive organisation's people cannot sign in"})


class OrganisationList(Schema):
    items = fields.List(fields.Nested(Organisation))


class User(Schema):
    username = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    organisation = fields.String(allow_none=True, metadata={"description": "A customer's organisation's name"})
    organisation_id = fields.Integer(allow_none=True)
    language = fields.String(allow_none=True, metadata={"description": "de, en, or none: the browser's"})
    active = fields.Boolean()
    created_at = fields.String(allow_none=True)


class UserList(Schema):
    items = fields.List(fields.Nested(User))


class AdminEvent(Schema):
    id = fields.Integer()
    at = fields.String()
    actor = fields.String(metadata={"description": "The admin's user name, or the command line"})
    kind = fields.String()
    target = fields.String(metadata={"description": "The organisation's or the person's name"})
    detail = fields.Dict(metadata={"description": "What changed: {field: {from, to}}, or what was created"})


class AdminEventPage(Schema):
    items = fields.List(fields.Nested(AdminEvent))
    next = fields.Integer(metadata={"description": "Pass as `before` for the older events; absent at the end"})


class Reply(Schema):
    id = fields.Integer()
    key = fields.String(allow_none=True, metadata={"description": "The language versions of one reply share it"})
    title = fields.String()
    text = fields.String(metadata={"description": "The template, placeholders unfilled"})
    language = fields.String(metadata={"description": "de or en"})
    shared = fields.Boolean(metadata={"description": "Every staff member sees it; else only its owner"})
    owner = fields.String(allow_none=True, metadata={"description": "A personal reply's owner (the caller)"})
    created_at = fields.String()
    updated_at = fields.String()


class ReplyList(Schema):
    items = fields.List(fields.Nested(Reply))


class RenderedReply(Schema):
    id = fields.Integer()
    language = fields.String()
    text = fields.String(metadata={"description": "The reply with the ticket's and the caller's values filled in"})


class MailTemplateLanguage(Schema):
    language = fields.String(metadata={"description": "de or en"})
    edited = fields.Boolean(metadata={"description": "Changed by someone; else the shipped text"})
    updated_at = fields.String()
    updated_by = fields.String(allow_none=True, metadata={"description": "Who changed it last (none: shipped)"})


class MailTemplateSummary(Schema):
    name = fields.String()
    purpose = fields.String(metadata={"description": "What the mail is for, in the caller's language"})
    automatic = fields.String(allow_none=True, metadata={
        "description": "Its Auto-Submitted header: auto-generated or auto-replied; none: a mail a person's "
                       "decision is in"})
    languages = fields.List(fields.Nested(MailTemplateLanguage))


class MailTemplateList(Schema):
    items = fields.List(fields.Nested(MailTemplateSummary))


class MailTemplatePlaceholder(Schema):
    placeholder = fields.String(metadata={"description": "As the text writes it between {{ and }}"})
    meaning = fields.String()


class MailTemplateTexts(Schema):
    subject = fields.String()
    body = fields.String()


class MailTemplate(Schema):
    name = fields.String()
    language = fields.String()
    purpose = fields.String()
    automatic = fields.String(allow_none=True)
    subject = fields.String(metadata={"description": "The template of the subject ([SUP-n] is put before it)"})
    body = fields.String(metadata={"description": "The template of the plain-text part"})
    edited = fields.Boolean()
    updated_at = fields.String()
    updated_by = fields.String(allow_none=True)
    shipped = fields.Nested(MailTemplateTexts, metadata={"description": "The text supportflow ships"})
    placeholders = fields.List(fields.Nested(MailTemplatePlaceholder))


class MailPreview(Schema):
    subject = fields.String(metadata={"description": "The subject as the recipient reads it"})
    text = fields.String(metadata={"description": "The plain-text part"})
    html = fields.String(metadata={"description": "The HTML part"})
    language = fields.String()
