"""Running instances, their open user tasks and pending timers."""

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, or_, select, union, update

from engine.domain import FINISHED_STATUSES
from engine.store.records import InboxTask, InstanceHead, SuggestedTask, TaskOfOrganisation, TaskRow
from engine.store.tables import instance_processes, instances, organisations, tasks, tickets, timers, user_roles, users

_HEAD = (instances.c.id, instances.c.process_id, instances.c.version_id, instances.c.pinned_versions,
         instances.c.ticket_id, instances.c.status, instances.c.revision, instances.c.last_error,
         instances.c.step_count, instances.c.created_at, instances.c.updated_at)


def insert_instance(conn: Connection, **values) -> int:
    return conn.execute(insert(instances).values(**values).returning(instances.c.id)).scalar_one()


# A task of an organisation's ticket is suggested to the organisation's contact person when they hold its role
# (tasks are never assigned by themselves): `suggested_assignee` is their user name.
_contact_role = user_roles.alias("contact_role")
_contact = users.alias("contact")
SUGGESTED_ASSIGNEE = _contact.c.username.label("suggested_assignee")


def _with_suggestion(query):
    """`query` (of tasks joined to their tickets) joined to the suggested assignee of each task."""
    return (query.outerjoin(organisations, organisations.c.id == tickets.c.organisation_id)
            .outerjoin(_contact_role, and_(_contact_role.c.user_id == organisations.c.contact_user_id,
                                           _contact_role.c.role == tasks.c.role))
            .outerjoin(_contact, and_(_contact.c.id == _contact_role.c.user_id, _contact.c.active.is_(True))))


# Statements on the path of every step are built once: building one costs more than running it.
_SELECT_HEAD = select(*_HEAD).where(instances.c.id == bindparam("iid"))
_SELECT_STATE = select(instances.c.state).where(instances.c.id == bindparam("iid"))
_UPDATE_CHECKED = update(instances).where(instances.c.id == bindparam("iid"),
                                          instances.c.revision == bindparam("expected"))
_OPEN_TASK_IDS = select(tasks.c.id).where(tasks.c.instance_id == bindparam("iid"), tasks.c.state == "open")
_CLOSE_TASKS = update(tasks).where(tasks.c.id.in_(bindparam("ids", expanding=True)), tasks.c.state == "open")
_TASK_ROW = (_with_suggestion(select(tasks, tickets.c.organisation_id, SUGGESTED_ASSIGNEE)
                              .outerjoin(tickets, tickets.c.id == tasks.c.ticket_id))
             .where(tasks.c.id == bindparam("tid")))
_OPEN_TASKS_OF_TICKET = (_with_suggestion(select(tasks, SUGGESTED_ASSIGNEE)
                                          .outerjoin(tickets, tickets.c.id == tasks.c.ticket_id))
                         .where(tasks.c.ticket_id == bindparam("tid"), tasks.c.state == "open")
                         .order_by(tasks.c.created_at, tasks.c.id))
_INSERT_TASKS = insert(tasks)
_DELETE_TIMERS = delete(timers).where(timers.c.instance_id == bindparam("iid"))
_INSERT_TIMERS = insert(timers)


def instance_head(conn: Connection, instance_id: int) -> InstanceHead | None:
    row = conn.execute(_SELECT_HEAD, {"iid": instance_id}).mappings().first()
    return cast(InstanceHead, dict(row)) if row else None


def instance_state(conn: Connection, instance_id: int) -> bytes:
    return conn.execute(_SELECT_STATE, {"iid": instance_id}).scalar_one()


def instance_ids_of_ticket(conn: Connection, ticket_id: int) -> list[int]:
    return list(conn.scalars(select(instances.c.id).where(instances.c.ticket_id == ticket_id)))


def update_instance(conn: Connection, instance_id: int, expected_revision: int, **values) -> bool:
    """Write if nobody else did since `expected_revision` was read (the optimistic lock)."""
    result = conn.execute(_UPDATE_CHECKED, {"iid": instance_id, "expected": expected_revision,
                                            "revision": expected_revision + 1, **values})
    return result.rowcount == 1


def list_instances(conn: Connection, *, status: str | None = None, ticket_id: int | None = None,
                   process_id: str | None = None, version_id: int | None = None,
                   created_after: datetime | None = None, created_before: datetime | None = None,
                   updated_after: datetime | None = None, updated_before: datetime | None = None,
                   before_id: int | None = None, limit: int = 50) -> list[InstanceHead]:
    """Newest first; page on with before_id (the last id seen) — keyset paging stays fast on big tables."""
    conditions = [
        (status, lambda: instances.c.status == status),
        (ticket_id, lambda: instances.c.ticket_id == ticket_id),
        (process_id, lambda: in_process(cast(str, process_id), version_id)),  # made only when given
        (created_after, lambda: instances.c.created_at >= created_after),
        (created_before, lambda: instances.c.created_at < created_before),
        (updated_after, lambda: instances.c.updated_at >= updated_after),
        (updated_before, lambda: instances.c.updated_at < updated_before),
        (before_id, lambda: instances.c.id < before_id),
    ]
    query = select(*_HEAD).where(*[make() for value, make in conditions if value is not None])
    query = query.order_by(instances.c.id.desc()).limit(limit)
    return cast(list[InstanceHead], [dict(row) for row in conn.execute(query).mappings()])


def in_process(process_id: str, version_id: int | None = None):
    """Instances started on the process (version), or running in it now as a called process."""
    started = [instances.c.process_id == process_id]
    running = [instance_processes.c.process_id == process_id]
    if version_id is not None:
        started.append(instances.c.version_id == version_id)
        running.append(instance_processes.c.version_id == version_id)
    return or_(and_(*started), instances.c.id.in_(select(instance_processes.c.instance_id).where(*running)))


def counts_by_status(conn: Connection, process_id: str | None = None) -> dict[str, int]:
    query = select(instances.c.status, func.count()).group_by(instances.c.status)
    if process_id:
        query = query.where(in_process(process_id))
    return {status: count for status, count in conn.execute(query)}


_RUNNING_PROCESSES = select(instance_processes.c.process_id, instance_processes.c.version_id).where(
    instance_processes.c.instance_id == bindparam("iid"))


def set_running_processes(conn: Connection, instance_id: int, running: dict[str, int]) -> None:
    """Record {process id: version id} of the processes running in the instance now; writes only changes."""
    before = dict(conn.execute(_RUNNING_PROCESSES, {"iid": instance_id}).all())
    if before == running:
        return
    gone = [pid for pid in before if before[pid] != running.get(pid)]
    if gone:
        conn.execute(delete(instance_processes).where(instance_processes.c.instance_id == instance_id,
                                                      instance_processes.c.process_id.in_(gone)))
    new = [{"instance_id": instance_id, "process_id": pid, "version_id": vid}
           for pid, vid in running.items() if before.get(pid) != vid]
    if new:
        conn.execute(insert(instance_processes), new)


def instances_in_error(conn: Connection, limit: int = 1000) -> list[InstanceHead]:
    query = select(*_HEAD).where(instances.c.status == "error").order_by(instances.c.updated_at.desc()).limit(limit)
    return cast(list[InstanceHead], [dict(row) for row in conn.execute(query).mappings()])


def completed_task_times(conn: Connection, process_version_id: int) -> list[tuple[str, float]]:
    """(element, seconds open) of every completed user task of one process version."""
    query = select(tasks.c.element, tasks.c.created_at, tasks.c.completed_at).where(
        tasks.c.process_version_id == process_version_id, tasks.c.state == "completed")
    return [(row.element, (row.completed_at - row.created_at).total_seconds()) for row in conn.execute(query)]


def state_size(conn: Connection, instance_id: int) -> int:
    return conn.execute(select(func.length(instances.c.state)).where(instances.c.id == instance_id)).scalar_one()


# --- user tasks ------------------------------------------------------------------------------------

def open_task_ids(conn: Connection, instance_id: int) -> set[str]:
    return set(conn.execute(_OPEN_TASK_IDS, {"iid": instance_id}).scalars())


def insert_tasks(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(_INSERT_TASKS, rows)


def close_tasks(conn: Connection, task_ids: list[str], state: str, at: datetime, by: int | None) -> None:
    if task_ids:
        conn.execute(_CLOSE_TASKS, {"ids": list(task_ids), "state": state, "completed_at": at, "completed_by": by})


def task_row(conn: Connection, task_id: str) -> TaskOfOrganisation | None:
    row = conn.execute(_TASK_ROW, {"tid": task_id}).mappings().first()
    return cast(TaskOfOrganisation, dict(row)) if row else None


def claim_task(conn: Connection, task_id: str, user_id: int | None, *, held_by: int | None) -> bool:
    """Hand an open task to `user_id` (None: to nobody) if `held_by` still holds it; False otherwise. The check
    is in the statement, so that a claim never lands on a task a concurrent step completed or passed on."""
    holder = tasks.c.assignee_id.is_(None) if held_by is None else tasks.c.assignee_id == held_by
    result = conn.execute(update(tasks).where(tasks.c.id == task_id, tasks.c.state == "open", holder)
                          .values(assignee_id=user_id))
    return result.rowcount == 1


def tasks_of_instance(conn: Connection, instance_id: int) -> list[TaskRow]:
    query = select(tasks).where(tasks.c.instance_id == instance_id).order_by(tasks.c.created_at, tasks.c.id)
    return cast(list[TaskRow], [dict(row) for row in conn.execute(query).mappings()])


def open_task_names(conn: Connection, instance_ids: list[int]) -> list[tuple[int, str]]:
    """(instance id, task name) of the open tasks of these instances, oldest first: one query for a page."""
    if not instance_ids:
        return []
    query = (select(tasks.c.instance_id, tasks.c.name)
             .where(tasks.c.instance_id.in_(instance_ids), tasks.c.state == "open")
             .order_by(tasks.c.created_at, tasks.c.id))
    return [(row.instance_id, row.name) for row in conn.execute(query)]


def open_tasks_of_ticket(conn: Connection, ticket_id: int) -> list[SuggestedTask]:
    rows = conn.execute(_OPEN_TASKS_OF_TICKET, {"tid": ticket_id}).mappings()
    return cast(list[SuggestedTask], [dict(row) for row in rows])


def inbox(conn: Connection, *, staff_roles: list[str], user_id: int, customer_org: int | None,
          limit: int = 200, offset: int = 0, assigned_only: bool = False) -> list[InboxTask]:
    """Open tasks offered to these roles, or assigned to the user (only those: assigned_only); customer-lane
    tasks only for the user's own organisation. The tasks suggested to the user (of the organisations whose
    contact person they are) first, then oldest first.

    Each way a task can be the user's is its own branch, read in order from its own index and cut at the
    page's end (limit + offset), so that the cost follows the page, not the number of open tasks in the
    desk; the branches' few rows are then merged, deduplicated and paged."""
    enough = limit + offset
    branches = [select(tasks.c.id, tasks.c.created_at)
                .where(tasks.c.state == "open", tasks.c.assignee_id == user_id)]
    if not assigned_only:
        branches += [select(tasks.c.id, tasks.c.created_at).where(tasks.c.state == "open", tasks.c.role == role)
                     for role in staff_roles]
        if staff_roles:
            branches.append(select(tasks.c.id, tasks.c.created_at)
                            .join(tickets, tickets.c.id == tasks.c.ticket_id)
                            .join(organisations, organisations.c.id == tickets.c.organisation_id)
                            .where(tasks.c.state == "open", tasks.c.role.in_(staff_roles),
                                   organisations.c.contact_user_id == user_id))
        if customer_org is not None:
            branches.append(select(tasks.c.id, tasks.c.created_at).join(tickets, tickets.c.id == tasks.c.ticket_id)
                            .where(tasks.c.state == "open", tasks.c.role == "customer",
                                   tickets.c.organisation_id == customer_org))
    pages = [branch.order_by(tasks.c.created_at, tasks.c.id).limit(enough).subquery() for branch in branches]
    candidates = union(*[select(page.c.id) for page in pages]).subquery()
    suggested_first = case((_contact.c.id == user_id, 0), else_=1)
    query = (_with_suggestion(select(tasks, tickets.c.title.label("ticket_title"),
                                     tickets.c.priority.label("ticket_priority"), SUGGESTED_ASSIGNEE)
                              .outerjoin(tickets, tickets.c.id == tasks.c.ticket_id))
             .where(tasks.c.id.in_(select(candidates.c.id)))
             .order_by(suggested_first, tasks.c.created_at, tasks.c.id).limit(limit).offset(offset))
    return cast(list[InboxTask], [dict(row) for row in conn.execute(query).mappings()])


# --- timers ----------------------------------------------------------------------------------------

def replace_timers(conn: Connection, instance_id: int, rows: list[dict]) -> None:
    conn.execute(_DELETE_TIMERS, {"iid": instance_id})
    if rows:
        conn.execute(_INSERT_TIMERS, [{**row, "instance_id": instance_id} for row in rows])


def delete_timer(conn: Connection, timer_id: int) -> None:
    conn.execute(delete(timers).where(timers.c.id == timer_id))


def timers_of_instance(conn: Connection, instance_id: int) -> list[dict]:
    query = select(timers).where(timers.c.instance_id == instance_id).order_by(timers.c.due_at)
    return [dict(row) for row in conn.execute(query).mappings()]


def force_instance_status(conn: Connection, instance_id: int, status: str, at: datetime, **values) -> None:
    """Set status (and e.g. last_error) whatever the revision; bumps it so in-flight steps lose."""
    conn.execute(update(instances).where(instances.c.id == instance_id).values(
        status=status, updated_at=at, revision=instances.c.revision + 1, **values))


def running_instance_heads(conn: Connection, process_id: str, version_id: int) -> list[InstanceHead]:
    """Heads of the unfinished instances in which that version of the process runs now (as main or called)."""
    running = select(instance_processes.c.instance_id).where(instance_processes.c.process_id == process_id,
                                                             instance_processes.c.version_id == version_id)
    query = (select(*_HEAD).where(instances.c.status.notin_(FINISHED_STATUSES),
                                  instances.c.id.in_(running)).order_by(instances.c.id))
    return cast(list[InstanceHead], [dict(row) for row in conn.execute(query).mappings()])


def retarget_task(conn: Connection, task_id: str, process_version_id: int, name: str) -> None:
    conn.execute(update(tasks).where(tasks.c.id == task_id).values(process_version_id=process_version_id, name=name))
