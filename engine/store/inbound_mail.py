"""Incoming mail: the record of every mail and its outcome, the Message-IDs a ticket's thread is known by, the
automatic replies a sender got lately, bounces on the outbox and on people, and supportflow's own organisation
of unassigned senders."""

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from engine.store.tables import inbound_mails, organisations, outbox, tickets, users


def is_transient(err: BaseException) -> bool:
    """Whether a database error may pass when the same work is tried again: the database unreachable or busy, or
    a race lost on a unique key (the next try sees what the winner wrote)."""
    return isinstance(err, DBAPIError)  # IntegrityError (a unique key), OperationalError, ... are DBAPIErrors


def mail_seen(conn: Connection, message_id: str) -> bool:
    return conn.scalar(select(inbound_mails.c.id).where(inbound_mails.c.message_id == message_id)) is not None


def record_mail(conn: Connection, **values) -> int:
    """One inbound mail: message_id, from_address, subject, received_at, source, outcome, reason, ticket_id, size,
    auto_replied."""
    return conn.execute(insert(inbound_mails).values(**values).returning(inbound_mails.c.id)).scalar_one()


def update_mail(conn: Connection, message_id: str, **values) -> None:
    """Change what the record of a mail says (its reason, ticket, whether it was answered automatically)."""
    conn.execute(update(inbound_mails).where(inbound_mails.c.message_id == message_id).values(**values))


def auto_replies_since(conn: Connection, address: str, since: datetime) -> int:
    """How many of the sender's mails since then got an automatic reply."""
    return conn.scalar(select(func.count()).select_from(inbound_mails).where(
        inbound_mails.c.from_address == address, inbound_mails.c.received_at > since,
        inbound_mails.c.auto_replied.is_(True))) or 0


def tickets_of_inbound(conn: Connection, message_ids: list[str]) -> list[int]:
    """The tickets that mails with these Message-IDs went to (the thread a reply continues), newest first."""
    if not message_ids:
        return []
    query = (select(inbound_mails.c.ticket_id).where(inbound_mails.c.message_id.in_(message_ids),
                                                     inbound_mails.c.ticket_id.is_not(None))
             .order_by(inbound_mails.c.id.desc()))
    return list(dict.fromkeys(conn.scalars(query).all()))


def tickets_of_outbox(conn: Connection, outbox_ids: list[int]) -> list[int]:
    """The tickets of these outbox messages (those of a ticket), newest message first."""
    if not outbox_ids:
        return []
    query = (select(outbox.c.ticket_id).where(outbox.c.id.in_(outbox_ids), outbox.c.ticket_id.is_not(None))
             .order_by(outbox.c.id.desc()))
    return list(dict.fromkeys(conn.scalars(query).all()))


def existing_tickets(conn: Connection, numbers: list[int]) -> list[int]:
    if not numbers:
        return []
    found = set(conn.scalars(select(tickets.c.id).where(tickets.c.id.in_(numbers))).all())
    return [number for number in numbers if number in found]


def mark_bounced(conn: Connection, outbox_ids: list[int], addresses: list[str], reason: str,
                 now: datetime) -> tuple[int, int]:
    """Mark the outbox messages and the people with these addresses as bounced; (messages, people) marked."""
    messages = people = 0
    if outbox_ids:
        messages = conn.execute(update(outbox).where(outbox.c.id.in_(outbox_ids))
                                .values(bounced_at=now, bounce_reason=reason[:500])).rowcount
    if addresses:
        people = conn.execute(update(users).where(func.lower(users.c.email).in_([a.lower() for a in addresses]))
                              .values(mail_bounced_at=now, mail_bounce_reason=reason[:500])).rowcount
    return messages, people


def recipients_of_outbox(conn: Connection, outbox_ids: list[int]) -> list[str]:
    """The addresses these outbox messages went to."""
    if not outbox_ids:
        return []
    found: list[str] = []
    for recipients in conn.scalars(select(outbox.c.recipients).where(outbox.c.id.in_(outbox_ids))):
        found += [address for address in recipients or [] if address not in found]
    return found


def list_mails(conn: Connection, *, outcome: str | None, limit: int, before: int | None = None) -> list[dict]:
    """The recorded mails, newest first (of one outcome when given), with their ticket's number."""
    query = select(inbound_mails).order_by(inbound_mails.c.id.desc()).limit(limit)
    if outcome is not None:
        query = query.where(inbound_mails.c.outcome == outcome)
    if before is not None:
        query = query.where(inbound_mails.c.id < before)
    return [dict(row) for row in conn.execute(query).mappings()]


def outcome_counts(conn: Connection) -> dict[str, int]:
    query = select(inbound_mails.c.outcome, func.count()).group_by(inbound_mails.c.outcome)
    return {outcome: count for outcome, count in conn.execute(query)}


def builtin_organisation(conn: Connection, key: str) -> int | None:
    return conn.scalar(select(organisations.c.id).where(organisations.c.builtin == key))


def insert_builtin_organisation(conn: Connection, *, key: str, name: str, notes: str) -> int:
    """supportflow's own organisation `key`, named `name` (or with its key after it, where an admin's has the
    name already)."""
    taken = conn.scalar(select(organisations.c.id).where(organisations.c.name == name)) is not None
    return conn.execute(insert(organisations).values(
        name=f"{name} ({key})" if taken else name, domains=[], contact_user_id=None, notes=notes, active=True,
        mail_new_contacts="refuse", builtin=key,
    ).returning(organisations.c.id)).scalar_one()


def username_taken(conn: Connection, username: str) -> bool:
    return conn.scalar(select(users.c.id).where(func.lower(users.c.username) == username.lower())) is not None
