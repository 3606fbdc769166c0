"""Canned replies (text modules): prepared answers staff insert into comments, answers and offer texts.

A reply is a title and a text in one language (de or en). The language versions of one reply are replies of
their own that share a `key` (such as "someday-maybe"): the key is unique per language among the shared
replies, and among each person's own. A shared reply (every staff member sees it) is created and changed only by
those holding `reply:share` (support masters, admins); a personal one is its owner's alone, and for everyone else
does not exist (404). The text is a template of placeholders (engine.services.reply_templates): checked when
saved, filled in for one ticket by `render`."""

import re
import unicodedata

from marshmallow import Schema, fields, validate

from engine.domain import MAX_ID, ticket_key
from engine.errors import InvalidInput, NotFound
from engine.i18n import LANGUAGES, lazy
from engine.services import admin_trail, reply_templates
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.tickets import visible_ticket
from engine.store import accounts as account_store
from engine.store import organisations as organisation_store
from engine.store import replies as reply_store
from engine.store.records import CannedReplyRow

NO_SUCH_REPLY = lazy("There is no canned reply {id}.")
KEY_TAKEN_SHARED = lazy("There is a shared reply with the key {key!r} in this language already: change that one.")
KEY_TAKEN_PERSONAL = lazy("You have a reply with the key {key!r} in this language already: change that one.")
BAD_KEY = lazy("A key is lower-case letters, digits and hyphens, such as someday-maybe.")
EMPTY = lazy("This must not be empty.")
TOO_MANY = lazy("There are {limit} such replies already; delete one you no longer need first.")

MAX_SHARED, MAX_PERSONAL = 500, 200  # each page with a picker carries the list
_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_TEXT_DOC = ("The reply, a template: placeholders " + ", ".join(f"{{{{ {p} }}}}" for p in
                                                                 reply_templates.ALL_PLACEHOLDERS)
             + " and {% if placeholder %}…{% else %}…{% endif %}; anything else is refused")


class NewReplySchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    text = fields.String(required=True, validate=validate.Length(min=1, max=reply_templates.MAX_TEXT),
                         metadata={"description": _TEXT_DOC})
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    shared = fields.Boolean(load_default=False, metadata={
        "description": "Every staff member sees it (support masters and admins only); else the caller's own"})
    key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "Groups the language versions of one reply, such as someday-maybe"})


class ReplyChangeSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=200))
    text = fields.String(validate=validate.Length(min=1, max=reply_templates.MAX_TEXT),
                         metadata={"description": _TEXT_DOC})
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    shared = fields.Boolean()
    key = fields.String(allow_none=True, validate=validate.Length(max=100))


class ReplyFilterSchema(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=200),
                      metadata={"description": "Words the title or the text holds (case and ß/ss folded)"})
    language = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))


class RenderRequest(Schema):
    ticket = fields.String(required=True, validate=validate.Length(min=1, max=30),
                           metadata={"description": "The key of the ticket to fill the placeholders from"})


def view(row: CannedReplyRow, owners: dict | None = None) -> dict:
    return {"id": row["id"], "key": row["key"], "title": row["title"], "text": row["body"],
            "language": row["language"], "shared": row["owner_id"] is None,
            "owner": None if row["owner_id"] is None else (owners or {}).get(row["owner_id"]),
            "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat()}


def _folded(text: str) -> str:
    """Case, ß/ss and accents folded, as the pages' picker folds them (Straße, STRASSE; Änderung, anderung)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def list_replies(sf: Supportflow, actor: Actor, filters=None) -> list[dict]:
    """The shared replies and the actor's own, by title; `q` and `language` narrow them."""
    actor.require("reply:use")
    options = load_input(ReplyFilterSchema(), filters or {})
    with sf.db.read() as conn:
        rows = reply_store.visible_to(conn, actor.id)
    words = _folded(options["q"] or "").split()
    found = [row for row in rows if (options["language"] in (None, row["language"]))
             and all(word in _folded(f"{row['title']} {row['body']}") for word in words)]
    return [view(row, {actor.id: actor.username}) for row in found]


def _visible(conn, actor: Actor, reply_id: int) -> CannedReplyRow:
    row = reply_store.reply_by_id(conn, reply_id) if 0 < reply_id <= MAX_ID else None
    if row is None or row["owner_id"] not in (None, actor.id):
        raise NotFound(NO_SUCH_REPLY.format(id=reply_id))
    return row


def reply(sf: Supportflow, actor: Actor, reply_id: int) -> dict:
    actor.require("reply:use")
    with sf.db.read() as conn:
        return view(_visible(conn, actor, reply_id), {actor.id: actor.username})


def _clean(values: dict) -> dict:
    """Titles and keys trimmed, the text checked as a template; InvalidInput naming every problem."""
    errors: dict[str, list[str]] = {}
    if "title" in values:
        values["title"] = " ".join(values["title"].split())
        if not values["title"]:
            errors["title"] = [str(EMPTY)]
    if values.get("key") is not None:
        values["key"] = values["key"].strip().lower() or None
        if values["key"] is not None and not _KEY.match(values["key"]):
            errors["key"] = [str(BAD_KEY)]
    if "text" in values:
        if not values["text"].strip():
            errors["text"] = [str(EMPTY)]
        else:
            try:
                reply_templates.check(values["text"])
            except InvalidInput as err:
                errors.update(err.errors)
    if errors:
        raise InvalidInput(errors)
    return values


def _check_room(conn, key: str | None, language: str, owner_id: int | None, reply_id: int | None) -> None:
    if key is not None:
        other = reply_store.with_key(conn, key, language, owner_id)
        if other is not None and other["id"] != reply_id:
            taken = KEY_TAKEN_SHARED if owner_id is None else KEY_TAKEN_PERSONAL
            raise InvalidInput({"key": [taken.format(key=key)]})
    if reply_id is None:
        limit = MAX_SHARED if owner_id is None else MAX_PERSONAL
        if reply_store.count_of(conn, owner_id) >= limit:
            raise InvalidInput({"_schema": [TOO_MANY.format(limit=limit)]})


def create_reply(sf: Supportflow, actor: Actor, data) -> dict:
    actor.require("reply:use")
    values = _clean(load_input(NewReplySchema(), data))
    if values["shared"]:
        actor.require("reply:share")
    owner_id = None if values["shared"] else actor.id
    with sf.db.write() as conn:
        _check_room(conn, values["key"], values["language"], owner_id, None)
        reply_id = reply_store.insert_reply(conn, key=values["key"], title=values["title"], body=values["text"],
                                            language=values["language"], owner_id=owner_id, created_by=actor.id,
                                            at=sf.clock.now())
        if owner_id is None:
            _record(conn, sf, actor, "reply_created", values["title"], reply_id,
                    {name: values[name] for name in ("key", "language", "title", "text")})
        return view(_visible(conn, actor, reply_id), {actor.id: actor.username})


def update_reply(sf: Supportflow, actor: Actor, reply_id: int, data) -> dict:
    """Change a reply; a shared one (or one becoming shared) only with `reply:share`. A shared reply made
    personal becomes the caller's."""
    actor.require("reply:use")
    values = _clean(load_input(ReplyChangeSchema(), data))
    with sf.db.write() as conn:
        row = _visible(conn, actor, reply_id)
        shared = values.get("shared", row["owner_id"] is None)
        if row["owner_id"] is None or shared:
            actor.require("reply:share")
        owner_id = None if shared else actor.id
        key = values["key"] if "key" in values else row["key"]
        _check_room(conn, key, values.get("language", row["language"]), owner_id, reply_id)
        columns = {column: values[name] for name, column in (("title", "title"), ("text", "body"),
                                                             ("language", "language"), ("key", "key"))
                   if name in values}
        reply_store.update_reply(conn, reply_id, {**columns, "owner_id": owner_id, "updated_at": sf.clock.now()})
        if row["owner_id"] is None or shared:
            before = {"key": row["key"], "language": row["language"], "title": row["title"], "text": row["body"],
                      "shared": row["owner_id"] is None}
            after = {**{name: values[name] for name in ("key", "language", "title", "text") if name in values},
                     "shared": shared}
            _record(conn, sf, actor, "reply_changed", values.get("title", row["title"]), reply_id,
                    admin_trail.changes(before, after))
        return view(_visible(conn, actor, reply_id), {actor.id: actor.username})


def delete_reply(sf: Supportflow, actor: Actor, reply_id: int) -> None:
    actor.require("reply:use")
    with sf.db.write() as conn:
        row = _visible(conn, actor, reply_id)
        if row["owner_id"] is None:
            actor.require("reply:share")
            _record(conn, sf, actor, "reply_deleted", row["title"], reply_id,
                    {"key": row["key"], "language": row["language"]})
        reply_store.delete_reply(conn, reply_id)


def _record(conn, sf: Supportflow, actor: Actor, kind: str, title: str, reply_id: int, detail: dict) -> None:
    """A change to a shared reply on the admin trail: what every staff member answers with is worth knowing who
    changed (a personal reply is its owner's business)."""
    admin_trail.record(conn, sf.clock.now(), actor, kind, title, {"reply": reply_id, **detail})


def placeholder_values(conn, actor: Actor, key: str) -> dict[str, dict[str, str]]:
    """What the placeholders say for the ticket `key` (NotFound when the actor may not see it) and the actor."""
    ticket = visible_ticket(conn, actor, key)
    creator = account_store.user_by_id(conn, ticket["created_by"])
    submitted_by_customer = creator is not None and creator["organisation_id"] == ticket["organisation_id"]
    organisation = organisation_store.organisation_by_id(conn, ticket["organisation_id"]) or {}
    contact = organisation.get("contact_name") if organisation.get("contact_active") else None
    return {
        "customer": {"name": creator["display_name"] if creator and submitted_by_customer else ticket["organisation"],
                     "organisation": ticket["organisation"]},
        "ticket": {"key": ticket_key(ticket["id"]), "title": ticket["title"]},
        "contact": {"name": contact or ""},
        "agent": {"name": actor.display_name},
    }


def render(sf: Supportflow, actor: Actor, reply_id: int, data) -> dict:
    """{text, language}: the reply filled in for a ticket, in the reply's own language."""
    actor.require("reply:use")
    values = load_input(RenderRequest(), data)
    with sf.db.read() as conn:
        row = _visible(conn, actor, reply_id)
        filled = placeholder_values(conn, actor, values["ticket"])
    return {"id": row["id"], "language": row["language"], "text": reply_templates.render(row["body"], filled)}


def picker_list(sf: Supportflow, actor: Actor) -> list[dict]:
    """What a page's reply picker offers (the replies the actor sees; nothing for who holds no `reply:use`)."""
    if not actor.can("reply:use"):
        return []
    return [{key: item[key] for key in ("id", "title", "text", "language", "shared")}
            for item in list_replies(sf, actor)]


# The replies every desk starts with (shared): seed 002's friendly answer to a wish not taken up now.
DEFAULT_REPLIES = (
    {"key": "someday-maybe", "language": "de", "title": "Wunsch vermerkt (someday/maybe)",
     "text": "Hallo {{ customer.name }},\n\nvielen Dank für Ihre Anregung. Derzeit planen wir in diesem Bereich "
             "keine Änderungen. Ich habe Ihren Wunsch jedoch auf unserer Liste für langfristige "
             "Entwicklungsoptionen vermerkt.\n\nViele Grüße\n{{ agent.name }}\n"},
    {"key": "someday-maybe", "language": "en", "title": "Request noted (someday/maybe)",
     "text": "Hello {{ customer.name }},\n\nthank you for your suggestion. We are not planning any changes in "
             "this area at the moment. However, I have noted your request on our list of long-term development "
             "options.\n\nKind regards\n{{ agent.name }}\n"},
)


def load_defaults(sf: Supportflow) -> list[str]:
    """Add each of DEFAULT_REPLIES as a shared reply unless a shared one of its key and language is there (so
    running it again, or after staff changed the reply, changes nothing); returns what it added ("key/language")."""
    added = []
    with sf.db.write() as conn:
        for default in DEFAULT_REPLIES:
            reply_templates.check(default["text"])
            if reply_store.with_key(conn, default["key"], default["language"], None) is None:
                reply_store.insert_reply(conn, key=default["key"], title=default["title"], body=default["text"],
                                         language=default["language"], owner_id=None, created_by=None,
                                         at=sf.clock.now())
                added.append(f"{default['key']}/{default['language']}")
    return added
