"""The developers' board (ScrumBan): their open tasks as columns by step, each column ordered by ticket
priority (critical first), then age (oldest first), then estimated effort (smallest first, unknown last)."""

from typing import Any

from engine.domain import PRIORITIES, ticket_number
from engine.errors import Forbidden
from engine.services.accounts import Actor
from engine.services.context import Supportflow
from engine.services.tasks import inbox
from engine.store import board as board_store

COLUMNS = (
    ("analyse", "Analyse", ("analyze_bug",)),
    ("fix", "Fix", ("fix_bug",)),
    ("estimate", "Estimate", ("estimate_effort",)),
    ("implement", "Implement", ("implement",)),
    ("deploy", "Deploy", ("deploy_to_q", "deploy_to_p")),
)
ESTIMATE_TASK = "estimate_effort"
MAX_TILES = 1000
_COLUMN_OF_STEP = {step: column for column, _title, steps in COLUMNS for step in steps}
_PRIORITY_RANK = {priority: rank for rank, priority in enumerate(reversed(PRIORITIES))}  # critical → 0


def developer_board(sf: Supportflow, actor: Actor) -> list[dict]:
    """[{id, title, tiles}] in board order; a tile is an open task dict (without its form) plus `hours`."""
    if "developer" not in actor.roles:
        raise Forbidden("The board shows the developers' work; it is for developers.")
    open_tasks = [task for task in inbox(sf, actor, limit=MAX_TILES)
                  if task["role"] == "developer" and task["task"] in _COLUMN_OF_STEP]
    hours = _estimated_hours(sf, {ticket_number(t["ticket_key"]) for t in open_tasks if t["ticket_key"]})
    columns: dict[str, dict[str, Any]] = {column: {"id": column, "title": title, "tiles": []}
                                          for column, title, _steps in COLUMNS}
    for task in open_tasks:
        tile = {key: value for key, value in task.items() if key != "form"}
        tile["hours"] = hours.get(ticket_number(task["ticket_key"])) if task["ticket_key"] else None
        columns[_COLUMN_OF_STEP[task["task"]]]["tiles"].append(tile)
    for column in columns.values():
        column["tiles"].sort(key=_board_order)
    return list(columns.values())


def _board_order(tile: dict) -> tuple:
    hours = tile["hours"]
    return (_PRIORITY_RANK.get(tile["priority"], len(PRIORITIES)), tile["created_at"] or "",
            hours is None, hours or 0)


def _estimated_hours(sf: Supportflow, ticket_ids: set[int | None]) -> dict[int | None, float]:
    with sf.db.read() as conn:
        estimates = board_store.latest_task_data(conn, {number for number in ticket_ids if number is not None},
                                               ESTIMATE_TASK)
    return {ticket_id: data["hours"] for ticket_id, data in estimates.items()
            if isinstance(data.get("hours"), int | float) and not isinstance(data.get("hours"), bool)}
