"""Process owners change the mail templates (`mail_template:edit`): the list, one template in one language with its
placeholders, a save (checked: an unknown placeholder is refused naming its line), a reset to the shipped text, and
a preview — subject, text and HTML part as the recipient gets them — filled from a sample ticket or a real one.
Each save and reset is on the admin trail."""

from datetime import timedelta

from marshmallow import Schema, fields, validate

from engine.errors import NotFound
from engine.i18n import LANGUAGES, format_datetime, lazy, ngettext, speaking
from engine.markdown import mail_html
from engine.services import admin_trail, mail_templates, notifications
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.notification_words import describe
from engine.services.tickets import visible_ticket
from engine.store import mail_templates as store
from engine.store import organisations as organisation_store

NO_SUCH_TEMPLATE = lazy("There is no mail template {name} in the language {language!r}.")
CAPABILITY = "mail_template:edit"

# What a preview fills in where no ticket says it (in the reader's language).
SAMPLE_TITLE = lazy("Printing the invoice fails")
SAMPLE_DATA = {"question": lazy("Which printer do you use, and what does the error message say?"),
               "answer": lazy("Please install the printer driver again; the invoice then prints as before."),
               "offer_text": lazy("We add the export of invoices as a CSV file to the report page."),
               "duplicate_of": "SUP-7", "into": "SUP-7", "version": "2.4.1", "hours": 16, "cost": 1920,
               "delivery_date": "2026-05-01"}
SAMPLE_TASK = lazy("Triage the ticket")
SAMPLE_NUMBER = 12


class TemplateTextSchema(Schema):
    subject = fields.String(required=True, validate=validate.Length(max=mail_templates.MAX_SUBJECT_TEXT),
                            metadata={"description": "The subject, one line; a ticket's mail gets [SUP-n] before it"})
    body = fields.String(required=True, validate=validate.Length(max=mail_templates.MAX_BODY_TEXT),
                         metadata={"description": "The plain-text part (Markdown: the HTML part is made of it)"})


class PreviewSchema(Schema):
    subject = fields.String(load_default=None, validate=validate.Length(max=mail_templates.MAX_SUBJECT_TEXT),
                            metadata={"description": "A subject not saved yet (default: the stored one)"})
    body = fields.String(load_default=None, validate=validate.Length(max=mail_templates.MAX_BODY_TEXT),
                         metadata={"description": "A body not saved yet (default: the stored one)"})
    ticket = fields.String(load_default=None, validate=validate.Length(min=1, max=30),
                           metadata={"description": "A ticket's key to fill the ticket's placeholders from "
                                                    "(default: a sample ticket)"})


def _known(name: str, language: str) -> None:
    if name not in mail_templates.CATALOGUE or language not in LANGUAGES:
        raise NotFound(NO_SUCH_TEMPLATE.format(name=name, language=language))


def _row_view(row: dict) -> dict:
    return {"language": row["language"], "edited": row["edited"], "updated_at": row["updated_at"].isoformat(),
            "updated_by": row["editor"]}


def list_templates(sf: Supportflow, actor: Actor) -> list[dict]:
    """Every template: {name, purpose, automatic, languages: [{language, edited, updated_at, updated_by}]}."""
    actor.require(CAPABILITY)
    with sf.db.read() as conn:
        rows = store.all_templates(conn)
    by_name: dict[str, list[dict]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(_row_view(row))
    return [{"name": name, "purpose": str(template.purpose), "automatic": template.auto_submitted,
             "languages": by_name.get(name, [])} for name, template in mail_templates.CATALOGUE.items()]


def template(sf: Supportflow, actor: Actor, name: str, language: str) -> dict:
    """One template in one language: its texts, the shipped ones, and its placeholders with what each holds."""
    actor.require(CAPABILITY)
    _known(name, language)
    with sf.db.read() as conn:
        row = store.template(conn, name, language)
    return _view(name, language, row)


def _view(name: str, language: str, row: dict | None) -> dict:
    catalogued = mail_templates.CATALOGUE[name]
    shipped_subject, shipped_body = mail_templates.shipped(name, language)
    answer = {"name": name, "language": language, "purpose": str(catalogued.purpose),
              "automatic": catalogued.auto_submitted, "subject": row["subject"] if row else shipped_subject,
              "body": row["body"] if row else shipped_body, "edited": bool(row and row["edited"]),
              "shipped": {"subject": shipped_subject, "body": shipped_body},
              "placeholders": [{"placeholder": f"{placeholder}.{attribute}", "meaning": str(meaning)}
                               for placeholder, attributes in catalogued.placeholders.items()
                               for attribute, meaning in attributes.items()]}
    if row:
        answer.update(updated_at=row["updated_at"].isoformat(), updated_by=row["editor"])
    return answer


def save(sf: Supportflow, actor: Actor, name: str, language: str, data) -> dict:
    """Store the template's new texts (refused, naming the line, when they use what the template may not); the
    next mail of it says what they say, the mails written already stay as they were."""
    actor.require(CAPABILITY)
    _known(name, language)
    values = load_input(TemplateTextSchema(), data)
    mail_templates.check_texts(name, values["subject"], values["body"])
    return _store(sf, actor, name, language, values["subject"].strip(), values["body"], edited=True)


def reset(sf: Supportflow, actor: Actor, name: str, language: str) -> dict:
    """The template back to its shipped text; seeding keeps it up to date from then on."""
    actor.require(CAPABILITY)
    _known(name, language)
    subject, body = mail_templates.shipped(name, language)
    return _store(sf, actor, name, language, subject, body, edited=False)


def _store(sf: Supportflow, actor: Actor, name: str, language: str, subject: str, body: str, *,
           edited: bool) -> dict:
    now = sf.clock.now()
    with sf.db.write() as conn:
        row = store.template(conn, name, language)
        if row is None:  # a database not seeded since the template was added
            mail_templates.load_shipped(conn, now)
            row = store.template(conn, name, language)
            assert row is not None  # just seeded
        store.set_text(conn, row["id"], subject=subject, body=body, edited=edited, by=actor.id, at=now)
        kind = "mail_template_changed" if edited else "mail_template_reset"
        admin_trail.record(conn, now, actor, kind, f"{name}/{language}", admin_trail.changes(
            {"subject": row["subject"], "body": row["body"]}, {"subject": subject, "body": body}))
        return _view(name, language, store.template(conn, name, language))


def preview(sf: Supportflow, actor: Actor, name: str, language: str, data) -> dict:
    """{subject, text, html, language}: the template (the texts given, else the stored ones) as a recipient reading
    `language` gets it, filled from the ticket named (NotFound when the actor may not see it) or a sample."""
    actor.require(CAPABILITY)
    _known(name, language)
    options = load_input(PreviewSchema(), data or {})
    with sf.db.read() as conn:
        stored_subject, stored_body = mail_templates.texts(conn, name, language)
        subject = stored_subject if options["subject"] is None else options["subject"]
        body = stored_body if options["body"] is None else options["body"]
        mail_templates.check_texts(name, subject, body)
        with speaking(language):
            ticket, contact = _ticket_for_preview(conn, actor, options["ticket"])
            values = _sample_values(sf, actor, name, ticket, contact)
            filled_subject, text = mail_templates.render_texts(name, subject, body, values, ticket["id"])
    return {"subject": filled_subject, "text": text, "html": mail_html(text, language), "language": language}


def _ticket_for_preview(conn, actor: Actor, key: str | None) -> tuple[dict, str | None]:
    """(ticket, its organisation's contact person's name) of the key, else the sample ticket and no contact."""
    if key is None:
        return {"id": SAMPLE_NUMBER, "title": str(SAMPLE_TITLE)}, None
    ticket = visible_ticket(conn, actor, key)
    organisation = organisation_store.organisation_by_id(conn, ticket["organisation_id"]) or {}
    return dict(ticket), organisation.get("contact_name") if organisation.get("contact_active") else None


def _sample_values(sf: Supportflow, actor: Actor, name: str, ticket: dict, contact: str | None) -> dict:
    """What the placeholders of the template `name` say in a preview, in the current language."""
    if mail_templates.CATALOGUE[name].of_ticket:
        data = {key: value if isinstance(value, int | str) else str(value) for key, value in SAMPLE_DATA.items()}
        return notifications.values_of(ticket, data, contact=contact, currency=sf.settings.currency)
    base = sf.settings.base_url.rstrip("/")
    now = sf.clock.now()
    notification = {"kind": "task_ready", "ticket_id": ticket["id"],
                    "detail": {"task": str(SAMPLE_TASK), "title": ticket["title"]}}
    line = f"- {format_datetime(now)}: {describe(notification)}\n  {base}/tasks/1"
    return {"person": {"name": actor.display_name, "username": actor.username},
            "notification": {"text": describe(notification), "link": f"{base}/tasks/1"},
            "digest": {"count": ngettext("%(num)d notification", "%(num)d notifications", 2) % {"num": 2},
                       "list": f"{line}\n{line}"},
            "account": {"link": f"{base}/account/notifications"},
            "link": {"url": f"{base}/password/reset/EXAMPLE", "expires": format_datetime(now + timedelta(days=7))}}
