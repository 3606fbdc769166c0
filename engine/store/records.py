"""The rows the store hands to the services, as typed records: plain dicts (what SQLAlchemy Core's mappings
give), whose keys and value types the type checker knows. Only the rows that cross into many services are here."""

from datetime import datetime
from typing import Any, Literal, TypedDict


# How ops retry a failed step: kept in the instance's last_error, one shape per kind of step.
class CompleteRetry(TypedDict):
    action: Literal["complete"]
    task_id: str
    data: dict[str, Any]  # the form data the failed completion was given
    actor_id: int | None


class MessageRetry(TypedDict):
    action: Literal["message"]
    name: str
    payload: dict[str, Any]
    actor_id: int | None


class StartRetry(TypedDict):
    action: Literal["start"]


class TimerRetry(TypedDict):
    action: Literal["timer"]
    task_id: str


Retry = CompleteRetry | MessageRetry | StartRetry | TimerRetry


class FailedStep(TypedDict):
    """An instance's last_error: what failed, where, and how to retry it (None: it cannot be retried)."""

    message: str
    element: str | None
    line: int | None
    at: str  # ISO 8601
    step: str  # the audit kind of the step that failed
    retry: Retry | None


class InstanceHead(TypedDict):
    """An instance without its workflow state."""

    id: int
    process_id: str
    version_id: int
    pinned_versions: dict[str, int]  # {process id: process version id}
    ticket_id: int | None
    status: str
    revision: int
    last_error: FailedStep | None
    step_count: int
    created_at: datetime
    updated_at: datetime


class TaskRow(TypedDict):
    """A user task: open, completed or cancelled."""

    id: str
    instance_id: int
    ticket_id: int | None
    process_version_id: int
    element: str
    name: str
    lane: str | None
    role: str | None
    state: str
    assignee_id: int | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: int | None


class SuggestedTask(TaskRow):
    """A task with the user name it is suggested to: its organisation's contact person, when they hold its role."""

    suggested_assignee: str | None


class TaskOfOrganisation(SuggestedTask):
    """A task with the organisation of its ticket (None without a ticket)."""

    organisation_id: int | None


class InboxTask(SuggestedTask):
    """A task in an inbox, with what the inbox shows of its ticket."""

    ticket_title: str | None
    ticket_priority: str | None


class TicketRow(TypedDict):
    id: int  # the n of SUP-n
    title: str
    description: str
    category: str
    priority: str
    system: str | None
    status: str
    resolution: str | None
    labels: list[str]
    organisation_id: int
    created_by: int
    channel: str
    created_at: datetime
    updated_at: datetime
    mail_message_id: str | None  # the Message-ID of the mail that opened it: the root of its mail thread
    organisation: str  # the organisation's name


class CannedReplyRow(TypedDict):
    """A canned reply: a template text in one language, shared (owner_id None) or its owner's."""

    id: int
    key: str | None  # the language versions of one reply share it
    title: str
    body: str
    language: str
    owner_id: int | None
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class SavedViewRow(TypedDict):
    """A saved view of the ticket list: shared (owner_id None) or its owner's; `builtin` for the shipped ones."""

    id: int
    owner_id: int | None
    name: str
    filters: dict[str, str]
    builtin: str | None
    position: int
    created_at: datetime
