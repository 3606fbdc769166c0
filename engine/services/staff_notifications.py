"""Staff notifications: the bell on every page, the /notifications list, and the mail that tells of them.

A notification is written inside the transaction of what caused it (a step, an assignment, a comment), for
the people it concerns and never for the person who caused it:
- `task_ready`: a task became ready in a role I hold (one per holder; mailed only in the daily digest);
- `task_assigned`: someone assigned a task to me;
- `customer_answered`, `customer_commented`: a customer completed a task of, or commented on, a ticket I hold
  or held a task of (nobody: every support master);
- `mentioned`: someone wrote @my-user-name in an internal comment.
Mail follows each person's choice (users.notify_by_mail): `at_once` puts a mail in the outbox in the same
transaction (all kinds but task_ready), the daily digest (engine.services.staff_mail) collects the rest;
`never` sends nothing. `mailed_at` says a notification was in a mail, so none is mailed twice."""

import re
from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.domain import MAX_ID, ticket_key
from engine.errors import NotFound
from engine.i18n import lazy
from engine.services import staff_mail, views
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.notification_words import TEXTS, describe, link_of
from engine.store import accounts as account_store
from engine.store import notifications as store
from engine.store.records import TaskRow, TicketRow

KINDS = tuple(TEXTS)
DIGEST_ONLY = ("task_ready",)  # never mailed at once: a desk's every new task would flood the inbox
MAIL_CHOICES = ("at_once", "digest", "never")
EXCERPT = 140
LISTED = 100  # the newest this many on the page and in the API

NOTHING_TO_MARK = lazy("Name the notifications to mark read (ids), or all of them (all: true).")
NO_NOTIFICATION = lazy("There is no notification {notification_id}.")

# @user-name in an internal comment; user names are letters, digits and . _ -, and a mention ends before a
# sentence's final full stop.
_MENTION = re.compile(r"(?<![\w.@])@(\w(?:[\w.-]{0,98}\w)?)", re.UNICODE)


# --- writing them, inside the causing transaction -------------------------------------------------------------

def notify(sf: Supportflow, conn, kind: str, recipients: list[dict], *, at: datetime, actor_id: int | None,
           ticket_id: int | None, task_id: str | None = None, detail: dict) -> int:
    """Tell each recipient (a dict of engine.store.notifications' recipient columns) but the actor; mail those who
    want it at once. Returns how many were told."""
    assert kind in KINDS, f"unknown notification kind {kind!r}"
    told = {person["id"]: person for person in recipients if person["id"] != actor_id}
    rows = []
    for person in told.values():
        row = {"user_id": person["id"], "at": at, "kind": kind, "ticket_id": ticket_id, "task_id": task_id,
               "detail": detail, "read_at": None, "mailed_at": None}
        if kind not in DIGEST_ONLY and person["notify_by_mail"] == "at_once" and person["email"]:
            staff_mail.mail_at_once(sf, conn, person, row)
            row["mailed_at"] = at
        rows.append(row)
    store.insert_notifications(conn, rows)
    return len(rows)


def tasks_ready(sf: Supportflow, conn, new_tasks: list[dict], *, ticket: TicketRow | None, actor_id: int | None,
                at: datetime) -> None:
    """A step opened these task rows: each staff task is news to every holder of its role."""
    holders: dict[str, list[dict]] = {}
    for task in new_tasks:
        role = task["role"]
        if not role or role == "customer":
            continue
        if role not in holders:
            holders[role] = store.staff_with_role(conn, role)
        notify(sf, conn, "task_ready", holders[role], at=at, actor_id=actor_id, ticket_id=task["ticket_id"],
               task_id=task["id"], detail={"task": task["name"], "names": _names(sf, task), "role": role,
                                           "title": ticket["title"] if ticket else ""})


def _names(sf: Supportflow, task) -> dict[str, str]:
    """The task's name in each language, kept with the notification: each reader reads it in their own."""
    return views.element_names(sf.definitions.deployed(task["process_version_id"]).element(task["element"]),
                               task["name"])


def task_assigned(sf: Supportflow, conn, task: TaskRow, assignee_id: int, actor: Actor, at: datetime) -> None:
    """Someone was handed a task (by someone else: taking a task oneself is news to nobody)."""
    notify(sf, conn, "task_assigned", store.staff_by_ids(conn, {assignee_id}), at=at, actor_id=actor.id,
           ticket_id=task["ticket_id"], task_id=task["id"],
           detail={"task": task["name"], "names": _names(sf, task), "by": actor.display_name})


def customer_answered(sf: Supportflow, conn, task: TaskRow, actor_id: int | None, at: datetime, title: str) -> None:
    """A customer completed a task of the ticket: its staff hear of it."""
    if task["ticket_id"] is None:
        return
    customer = account_store.user_by_id(conn, actor_id) if actor_id is not None else None
    notify(sf, conn, "customer_answered", _staff_of_ticket(conn, task["ticket_id"]), at=at, actor_id=actor_id,
           ticket_id=task["ticket_id"], task_id=task["id"],
           detail={"task": task["name"], "names": _names(sf, task),
                   "by": customer["display_name"] if customer else "", "title": title})


def comment_added(sf: Supportflow, conn, ticket: TicketRow, actor: Actor, body: str, internal: bool,
                  at: datetime) -> None:
    """A customer's comment goes to the ticket's staff; an internal comment to the staff it @mentions."""
    detail = {"by": actor.display_name, "title": ticket["title"], "excerpt": _excerpt(body)}
    if internal:
        mentioned = store.staff_by_usernames(conn, set(_MENTION.findall(body)))
        notify(sf, conn, "mentioned", mentioned, at=at, actor_id=actor.id, ticket_id=ticket["id"], detail=detail)
    elif not actor.is_staff:
        notify(sf, conn, "customer_commented", _staff_of_ticket(conn, ticket["id"]), at=at, actor_id=actor.id,
               ticket_id=ticket["id"], detail=detail)


def _staff_of_ticket(conn, ticket_id: int) -> list[dict]:
    """Who holds or held the ticket's staff tasks; when nobody did, every support master."""
    return store.staff_by_ids(conn, store.workers_of_ticket(conn, ticket_id)) or store.staff_with_role(
        conn, "support_master")


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rstrip() + "…"


# --- reading them ---------------------------------------------------------------------------------------------

def _view(row: dict) -> dict:
    return {"id": row["id"], "kind": row["kind"], "at": row["at"].isoformat(), "read": row["read_at"] is not None,
            "ticket_key": ticket_key(row["ticket_id"]) if row["ticket_id"] else None, "task_id": row["task_id"],
            "text": describe(row), "url": link_of(row)}


def unread_count(sf: Supportflow, actor: Actor) -> int:
    with sf.db.read() as conn:
        return store.unread_count(conn, actor.id)


def listing(sf: Supportflow, actor: Actor, limit: int = LISTED) -> dict:
    """{items: the actor's notifications, newest first; unread: how many are unread}."""
    with sf.db.read() as conn:
        rows = store.notifications_of(conn, actor.id, limit)
        unread = store.unread_count(conn, actor.id)
    return {"items": [_view(row) for row in rows], "unread": unread}


class MarkReadRequest(Schema):
    ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
                      validate=validate.Length(max=1000), metadata={"description": "The notifications to mark read"})
    all = fields.Boolean(metadata={"description": "true: mark every notification read"})

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if not data.get("ids") and not data.get("all"):
            raise ValidationError(str(NOTHING_TO_MARK), "ids")


def mark_read(sf: Supportflow, actor: Actor, data) -> dict:
    """Mark the actor's notifications read (`ids`, or `all`); {marked, unread}."""
    values = load_input(MarkReadRequest(), data)
    with sf.db.write() as conn:
        marked = store.mark_read(conn, actor.id, None if values.get("all") else values["ids"], sf.clock.now())
        unread = store.unread_count(conn, actor.id)
    return {"marked": marked, "unread": unread}


def open_notification(sf: Supportflow, actor: Actor, notification_id: int) -> str:
    """Mark one of the actor's notifications read; where it leads. Someone else's is NotFound."""
    with sf.db.write() as conn:
        row = store.notification(conn, actor.id, notification_id)
        if row is None:
            raise NotFound(NO_NOTIFICATION.format(notification_id=notification_id))
        store.mark_read(conn, actor.id, [notification_id], sf.clock.now())
    return link_of(row)


# --- the person's choice --------------------------------------------------------------------------------------

class MailChoiceRequest(Schema):
    notify_by_mail = fields.String(required=True, validate=validate.OneOf(MAIL_CHOICES))


def mail_choice(sf: Supportflow, actor: Actor) -> str:
    with sf.db.read() as conn:
        return store.notify_by_mail(conn, actor.id)


def set_mail_choice(sf: Supportflow, actor: Actor, data) -> str:
    choice = load_input(MailChoiceRequest(), data)["notify_by_mail"]
    with sf.db.write() as conn:
        store.set_notify_by_mail(conn, actor.id, choice)
    return choice
