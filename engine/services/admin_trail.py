"""The admin trail: every change an admin (or the command line) makes to organisations and people, and every
change to the shared canned replies, with what changed, for admins to read."""

from datetime import datetime

from marshmallow import Schema, fields, validate

from engine.domain import ADMIN_EVENT_KINDS, MAX_ID
from engine.i18n import lazy
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.store import people

COMMAND_LINE = lazy("the command line")  # who acted, when no admin was signed in (supportflow admin create)


class AdminEventFilterSchema(Schema):
    target = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def record(conn, at: datetime, actor: Actor | None, kind: str, target: str, detail: dict) -> None:
    """One row of the trail, in the caller's transaction; `actor` None: the command line."""
    assert kind in ADMIN_EVENT_KINDS, f"unknown admin event kind {kind!r}"
    people.append_admin_event(conn, at=at, actor_id=actor.id if actor else None, kind=kind, target=target,
                              detail=detail)


def changes(before: dict, after: dict) -> dict:
    """{field: {from, to}} of the fields whose value differs."""
    return {key: {"from": before.get(key), "to": value} for key, value in after.items() if before.get(key) != value}


def events(sf: Supportflow, actor: Actor, filters) -> dict:
    """The trail, newest first: {items: [{id, at, actor, kind, target, detail}], next?} (`next`: pass it as
    `before` for the older ones)."""
    actor.require("admin:audit")
    options = load_input(AdminEventFilterSchema(), filters)
    with sf.db.read() as conn:
        rows = people.admin_events_newest_first(conn, limit=options["limit"] + 1, before=options["before"],
                                                target=options["target"])
    more = len(rows) > options["limit"]
    rows = rows[:options["limit"]]
    items = [{"id": r["id"], "at": r["at"].isoformat(), "actor": r["actor"] or COMMAND_LINE, "kind": r["kind"],
              "target": r["target"], "detail": r["detail"]} for r in rows]
    answer: dict = {"items": items}
    if more:
        answer["next"] = rows[-1]["id"]
    return answer
