"""Routes: the mail templates (process owners and admins)."""

from flask import g

from engine.services import mail_template_editing as editing
from webapp.api import api, json_body
from webapp.wiring import supportflow


@api.get("/mail-templates")
def list_mail_templates():
    return {"items": editing.list_templates(supportflow(), g.actor)}


@api.get("/mail-templates/<name>/<language>")
def show_mail_template(name: str, language: str):
    return editing.template(supportflow(), g.actor, name, language)


@api.put("/mail-templates/<name>/<language>")
def save_mail_template(name: str, language: str):
    return editing.save(supportflow(), g.actor, name, language, json_body())


@api.post("/mail-templates/<name>/<language>/reset")
def reset_mail_template(name: str, language: str):
    return editing.reset(supportflow(), g.actor, name, language)


@api.post("/mail-templates/<name>/<language>/preview")
def preview_mail_template(name: str, language: str):
    return editing.preview(supportflow(), g.actor, name, language, json_body())

