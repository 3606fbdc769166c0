"""The database schema, as SQLAlchemy Core tables. Alembic migrations create exactly this."""

from datetime import UTC

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

metadata = MetaData()


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive ones otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


# SQLite keeps BIGINT primary keys from auto-incrementing; Integer there, BigInteger on PostgreSQL.
Id = BigInteger().with_variant(Integer(), "sqlite")

organisations = Table(
    "organisations", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    # The e-mail domains of its people (lower case): the mail channel places a sender by them.
    Column("domains", JSON, nullable=False, server_default=text("'[]'")),
    # The agency's personal contact for this customer (seed 000): shown to them, signs what they are sent.
    Column("contact_user_id", Id, ForeignKey("users.id", name="fk_organisations_contact_user", use_alter=True)),
    Column("notes", Text, nullable=False, server_default=text("''")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # What a mail from an unknown address of one of its domains does: "create" a contact for it, or "refuse" it.
    Column("mail_new_contacts", String(10), nullable=False, server_default=text("'create'")),
    # One supportflow makes itself ("unassigned_senders": mail of unknown senders, for triage); none: an admin's.
    Column("builtin", String(30), unique=True),
)

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(200)),
    Column("password_hash", String(200), nullable=False),
    Column("organisation_id", Id, ForeignKey("organisations.id")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("language", String(5)),  # "de", "en"; none: the browser's Accept-Language
    # How the person hears of their staff notifications by mail: at_once, digest (daily) or never.
    Column("notify_by_mail", String(10), nullable=False, server_default=text("'at_once'")),
    Column("created_at", UtcDateTime()),
    # The last mail to them that came back (a bounce), and what the mail server said: staff see it.
    Column("mail_bounced_at", UtcDateTime()),
    Column("mail_bounce_reason", String(500)),
)

user_roles = Table(
    "user_roles", metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(50), primary_key=True),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# A deployed version never changes; a running instance stays on the versions it started with.
# Single-use links: an invitation (the person sets their first password) or a password reset. Only a hash of
# the token is kept; a used or expired one answers 410.
user_tokens = Table(
    "user_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(10), nullable=False),  # invite, reset
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    Index("ix_user_tokens_user", "user_id"),
)

# What admins did (organisations and users created, changed, invited, deactivated), for admins to read.
admin_events = Table(
    "admin_events", metadata,
    Column("id", Id, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", Id, ForeignKey("users.id")),  # none: the command line
    Column("kind", String(40), nullable=False),
    Column("target", String(200), nullable=False),  # the organisation's or user's name
    Column("detail", JSON, nullable=False),
)

# A staff member's notifications (the bell): a task ready in their role, assigned to them, a customer's answer
# or comment, a mention. `mailed_at` is set once the mail (at once, or the day's digest) is in the outbox.
notifications = Table(
    "notifications", metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("task_id", String(36)),
    Column("detail", JSON, nullable=False),
    Column("read_at", UtcDateTime()),
    Column("mailed_at", UtcDateTime()),
    Index("ix_notifications_user", "user_id", "read_at", "id"),
    Index("ix_notifications_unmailed", "mailed_at", "user_id"),
)

process_versions = Table(
    "process_versions", metadata,
    Column("id", Id, primary_key=True),
    Column("process_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("bpmn_xml", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("called_processes", JSON, nullable=False),
    Column("deployed_at", UtcDateTime(), nullable=False),
    Column("deployed_by", Id, ForeignKey("users.id")),
    UniqueConstraint("process_id", "version"),
)

tickets = Table(
    "tickets", metadata,
    Column("id", Id, primary_key=True),  # the n of SUP-n; never reused
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(20), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("system", String(200)),
    Column("status", String(30), nullable=False),
    Column("resolution", String(30)),
    Column("labels", JSON, nullable=False),
    Column("organisation_id", Id, ForeignKey("organisations.id"), nullable=False),
    Column("created_by", Id, ForeignKey("users.id"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # The Message-ID of the mail that opened the ticket: the root of its mail thread (none: not opened by mail).
    Column("mail_message_id", String(1000)),
    Index("ix_tickets_org_updated", "organisation_id", "updated_at"),
    Index("ix_tickets_org_id", "organisation_id", "id"),  # a customer's list, newest first
    Index("ix_tickets_status", "status"),
    # The staff ticket list's sorts (each by keyset: the sort key, then the number) and its common filters.
    Index("ix_tickets_created", "created_at", "id"),
    Index("ix_tickets_updated", "updated_at", "id"),
    Index("ix_tickets_status_updated", "status", "updated_at", "id"),
    Index("ix_tickets_created_by", "created_by"),
    Index("ix_tickets_mail_message_id", "mail_message_id"),
    sqlite_autoincrement=True,
)

ticket_links = Table(
    "ticket_links", metadata,
    Column("ticket_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("kind", String(30), primary_key=True),
    Column("target_id", Id, ForeignKey("tickets.id"), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

instances = Table(
    "instances", metadata,
    Column("id", Id, primary_key=True),
    Column("process_id", String(200), nullable=False),
    Column("version_id", Id, ForeignKey("process_versions.id"), nullable=False),
    # {process_id: process_versions.id} of every process this instance may call, pinned at start.
    Column("pinned_versions", JSON, nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("status", String(20), nullable=False),
    Column("state", LargeBinary, nullable=False),  # SpiffWorkflow's serialized workflow, without the spec
    Column("revision", Integer, nullable=False),  # optimistic lock: every step bumps it
    Column("last_error", JSON),
    Column("step_count", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_instances_status", "status", "updated_at"),  # the error inbox, most recent first
    Index("ix_instances_status_id", "status", "id"),  # the ops list by status, newest first
    Index("ix_instances_process_version", "process_id", "version_id", "id"),  # ... by process and version
    Index("ix_instances_ticket", "ticket_id"),
)

# One row per user task; open ones (completed_at IS NULL) are the inbox.
tasks = Table(
    "tasks", metadata,
    Column("id", String(36), primary_key=True),  # SpiffWorkflow's task UUID
    Column("instance_id", Id, ForeignKey("instances.id"), nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("process_version_id", Id, ForeignKey("process_versions.id"), nullable=False),
    Column("element", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("lane", String(100)),
    Column("role", String(50)),
    Column("state", String(20), nullable=False),  # open | completed | cancelled
    Column("assignee_id", Id, ForeignKey("users.id")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime()),
    Column("completed_at", UtcDateTime()),
    Column("completed_by", Id, ForeignKey("users.id")),
    # The inbox reads each of these in order (engine.store.instances.inbox): by role, and by assignee.
    Index("ix_tasks_open_role", "role", "created_at", "id", postgresql_where=text("state = 'open'"),
          sqlite_where=text("state = 'open'")),
    Index("ix_tasks_open_assignee", "assignee_id", "created_at", "id", postgresql_where=text("state = 'open'"),
          sqlite_where=text("state = 'open'")),
    Index("ix_tasks_instance_state", "instance_id", "state"),
    Index("ix_tasks_ticket_state", "ticket_id", "state"),  # a ticket's open tasks, however long its history
    Index("ix_tasks_open_due", "due_at", postgresql_where=text("state = 'open'"),  # the list's overdue filter
          sqlite_where=text("state = 'open'")),
)

# Append-only: the whole history, even after the workflow state is compacted.
audit_events = Table(
    "audit_events", metadata,
    Column("id", Id, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("instance_id", Id, ForeignKey("instances.id")),
    Column("actor_id", Id, ForeignKey("users.id")),
    Column("kind", String(40), nullable=False),
    Column("element", String(200)),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_ticket", "ticket_id", "id"),
    Index("ix_audit_instance", "instance_id", "id"),
)

timers = Table(
    "timers", metadata,
    Column("id", Id, primary_key=True),
    Column("instance_id", Id, ForeignKey("instances.id"), nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("element", String(200), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    UniqueConstraint("instance_id", "task_id"),
    Index("ix_timers_due", "due_at"),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Id, primary_key=True),
    # A ticket's messages name it and its organisation; an invitation, a reset or a staff notification neither.
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("organisation_id", Id, ForeignKey("organisations.id")),
    Column("template", String(50), nullable=False),  # the kind of message
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),  # the plain-text part
    Column("html", Text),  # the HTML part, when there is one
    Column("recipients", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    # Delivery bookkeeping of the worker: what the last failed attempt said, and when to try again.
    Column("last_attempt_at", UtcDateTime()),
    Column("last_error", Text),
    Column("next_attempt_at", UtcDateTime()),
    # The headers decided when the message was written (engine.services.mail_out), sent as they are.
    Column("message_id", String(300)),  # <outbox-{id}@domain>
    Column("in_reply_to", String(1000)),  # the ticket's previous message (or its thread root)
    Column("thread_references", JSON),  # the thread's Message-IDs before this one, oldest first
    Column("reply_to", String(300)),
    Column("auto_submitted", String(20)),  # RFC 3834: auto-generated or auto-replied; none: written by a person
    # A bounce came back for it (engine.services.mail_intake), and what the mail server said.
    Column("bounced_at", UtcDateTime()),
    Column("bounce_reason", String(500)),
    Index("ix_outbox_pending", "sent_at", "id"),
)

# Every mail that came in (`supportflow mail ingest`, the IMAP poller) and what became of it: accepted (a ticket or
# a comment), ignored (auto-replies, bounces, loops), refused (with the reason), for ops to read. A Message-ID is
# taken once: the same mail again changes nothing. `auto_replied` counts the automatic replies sent per sender.
inbound_mails = Table(
    "inbound_mails", metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", String(300), nullable=False, unique=True),
    Column("from_address", String(320), nullable=False),  # lower case; empty when the mail named none
    Column("subject", String(300), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("source", String(10), nullable=False),  # pipe, imap
    Column("outcome", String(10), nullable=False),  # accepted, ignored, refused
    Column("reason", JSON, nullable=False),  # engine.i18n.record_of: said again in the reader's language
    Column("ticket_id", Id, ForeignKey("tickets.id")),
    Column("size", Integer, nullable=False),
    Column("auto_replied", Boolean, nullable=False, server_default=text("false")),
    Index("ix_inbound_mails_outcome", "outcome", "id"),
    Index("ix_inbound_mails_sender", "from_address", "received_at"),
    Index("ix_inbound_mails_ticket", "ticket_id"),
)

invoices = Table(
    "invoices", metadata,
    Column("id", Id, primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False, unique=True),
    Column("hours", Float, nullable=False),
    Column("cost", Numeric(12, 2), nullable=False),
    Column("offer_text", Text, nullable=False),
    Column("delivery_date", String(10)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("currency", String(3), nullable=False, server_default=text("'EUR'")),  # ISO 4217, as it was made in
)


# Conversation on a ticket. Internal comments and attachments are for staff only.
comments = Table(
    "comments", metadata,
    Column("id", Id, primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("author_id", Id, ForeignKey("users.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("internal", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_comments_ticket", "ticket_id", "id"),
)

attachments = Table(
    "attachments", metadata,
    Column("id", Id, primary_key=True),
    Column("ticket_id", Id, ForeignKey("tickets.id"), nullable=False),
    Column("uploaded_by", Id, ForeignKey("users.id"), nullable=False),
    Column("filename", String(200), nullable=False),  # shown and offered for download, never a path
    Column("content_type", String(100), nullable=False),  # what the bytes are, not what the client said
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("internal", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_attachments_ticket", "ticket_id", "id"),
)

# The bytes live apart so that listing attachments never reads them; in the database, so that every
# web worker and every backup has them.
attachment_contents = Table(
    "attachment_contents", metadata,
    Column("attachment_id", Id, ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

# Sign-in attempts not known to have succeeded, for throttling (in the database, so that every web worker counts
# the same). An attempt is written before its password is checked and deleted when it succeeds.
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(100), nullable=False),  # case-folded
    Column("client_address", String(64), nullable=False, server_default=text("''")),  # IPv4, or an IPv6 /64
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_sign_in_failures_address", "client_address", "at"),
    Index("ix_sign_in_failures_at", "at"),  # sweeping the expired ones
)


# One row per running background worker, rewritten every round: /healthz judges the workers by it.
worker_heartbeats = Table(
    "worker_heartbeats", metadata,
    Column("name", String(200), primary_key=True),
    Column("hostname", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("beat_at", UtcDateTime(), nullable=False),
    Column("rounds", BigInteger, nullable=False),
    Column("timers_fired", BigInteger, nullable=False),
    Column("messages_sent", BigInteger, nullable=False),
)


# The processes running in an instance now: its main process until it finishes, and each called one while it
# runs (pinned version). Every step keeps it, so that counts and filters by process never read workflow state.
instance_processes = Table(
    "instance_processes", metadata,
    Column("instance_id", Id, ForeignKey("instances.id"), primary_key=True),
    Column("process_id", String(200), primary_key=True),
    Column("version_id", Id, ForeignKey("process_versions.id"), nullable=False),
    Index("ix_instance_processes_process", "process_id", "version_id", "instance_id"),
    Index("ix_instance_processes_version", "version_id"),
)


# Canned replies (text modules) staff insert into answers, comments and offer texts: a Jinja template in one
# language. Shared ones (owner_id NULL) every staff member sees; personal ones only their owner. The language
# versions of one reply are rows of their own sharing a `key` (unique per language among the shared ones, and
# among each owner's).
canned_replies = Table(
    "canned_replies", metadata,
    Column("id", Id, primary_key=True),
    Column("key", String(100)),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("language", String(5), nullable=False),
    Column("owner_id", Id, ForeignKey("users.id", ondelete="CASCADE")),  # none: shared
    Column("created_by", Id, ForeignKey("users.id")),  # none: the command line (the shipped defaults)
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_canned_replies_owner", "owner_id", "title"),
    Index("ix_canned_replies_key", "key", "language"),
)


# Saved views of the staff ticket list: a name and the list's filters (the query string as a JSON object).
# Personal ones have an owner; shared ones (owner_id NULL) every staff member sees, and those with a `builtin` key
# ship with supportflow (revision 0011): their names are translated when shown, their filters never change.
saved_views = Table(
    "saved_views", metadata,
    Column("id", Id, primary_key=True),
    Column("owner_id", Id, ForeignKey("users.id", ondelete="CASCADE")),  # none: shared
    Column("name", String(100), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("builtin", String(30), unique=True),
    Column("position", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_saved_views_owner", "owner_id", "position", "id"),
)


# The texts of the mails supportflow writes, one row per template and language, seeded from engine/mail_templates/.
# `edited`: a process owner changed it, and seeding a new release leaves it as they wrote it.
mail_templates = Table(
    "mail_templates", metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("language", String(5), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("edited", Boolean, nullable=False, server_default=text("false")),
    Column("updated_by", Id, ForeignKey("users.id")),  # none: seeded
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("name", "language"),
)
