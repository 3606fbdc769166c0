"""Routes: tickets, their list and its saved views, changing them one at a time or in bulk."""


from flask import g, request

from engine.errors import InvalidInput
from engine.i18n import lazy
from engine.services import (
    closing,
    conversation,
    reopen,
    saved_views,
    ticket_bulk,
    ticket_changes,
    ticket_list,
    tickets,
)
from webapp.api import api, json_body
from webapp.downloads import attachment_response
from webapp.wiring import supportflow

SEND_A_FILE = lazy("Send the file as multipart/form-data in a field named 'file'.")


@api.post("/tickets")
def create_ticket():
    return tickets.create_ticket(supportflow(), g.actor, json_body()), 201


@api.get("/tickets")
def list_tickets():
    return ticket_list.list_tickets(supportflow(), g.actor, query_filters())


def query_filters() -> dict:
    """The query string as the list's filters; a parameter given more than once (status) as a comma list."""
    return {key: ",".join(values) for key, values in request.args.lists()}


@api.post("/tickets/bulk")
def bulk_ticket_action():
    return ticket_bulk.bulk(supportflow(), g.actor, json_body())


@api.get("/tickets/<key>")
def show_ticket(key: str):
    return tickets.ticket_view(supportflow(), g.actor, key)


@api.patch("/tickets/<key>")
def change_ticket(key: str):
    return ticket_changes.change_ticket(supportflow(), g.actor, key, json_body())


@api.get("/views")
def list_views():
    return {"items": saved_views.list_views(supportflow(), g.actor)}


@api.post("/views")
def create_view():
    return saved_views.create_view(supportflow(), g.actor, json_body()), 201


@api.patch("/views/<id:view_id>")
def change_view(view_id: int):
    return saved_views.update_view(supportflow(), g.actor, view_id, json_body())


@api.delete("/views/<id:view_id>")
def delete_view(view_id: int):
    saved_views.delete_view(supportflow(), g.actor, view_id)
    return "", 204


@api.post("/tickets/<key>/comments")
def add_comment(key: str):
    return conversation.add_comment(supportflow(), g.actor, key, json_body()), 201


@api.post("/tickets/<key>/reopen")
def reopen_ticket(key: str):
    return reopen.reopen(supportflow(), g.actor, key, json_body())


@api.post("/tickets/<key>/merge")
def merge_ticket(key: str):
    return closing.merge(supportflow(), g.actor, key, json_body())


@api.post("/tickets/<key>/withdraw")
def withdraw_ticket(key: str):
    return closing.withdraw(supportflow(), g.actor, key, json_body())


@api.post("/tickets/<key>/attachments")
def add_attachment(key: str):
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput({"file": [SEND_A_FILE]})
    internal = request.form.get("internal", "false").lower() in ("1", "true", "yes", "on")
    view = conversation.add_attachment(supportflow(), g.actor, key, upload.filename, upload.read(), internal=internal)
    return view, 201


@api.get("/tickets/<key>/attachments/<id:attachment_id>")
def download_attachment(key: str, attachment_id: int):
    view, content = conversation.attachment_download(supportflow(), g.actor, key, attachment_id)
    return attachment_response(view, content)
