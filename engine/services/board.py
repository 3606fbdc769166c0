"""The developers' board (ScrumBan): their open tasks as columns by step, each column ordered by ticket
priority (critical first), then age (oldest first), then estimated effort (smallest first, unknown last).
Which task shows in which column, and which task's data holds the estimate, the diagrams say (the properties
board_column and offer=estimate, docs/PROCESS_CONVENTIONS.md): no task id is named here."""

from typing import Any

from engine.domain import BOARD_COLUMNS, PRIORITIES, ticket_number
from engine.i18n import lazy
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.tasks import inbox
from engine.store import board as board_store

# The title of each of engine.domain.BOARD_COLUMNS.
COLUMN_TITLES = {"analyse": lazy("Analyse"), "fix": lazy("Fix"), "estimate": lazy("Estimate"),
                 "implement": lazy("Implement"), "deploy": lazy("Deploy")}
MAX_TILES = 1000
_PRIORITY_RANK = {priority: rank for rank, priority in enumerate(reversed(PRIORITIES))}  # critical → 0


def developer_board(sf: Supportflow, actor: Actor) -> list[dict]:
    """[{id, title, tiles}] in board order; a tile is an open task dict (without its form) plus `hours`."""
    actor.require("board:read")
    columns: dict[str, dict[str, Any]] = {column: {"id": column, "title": str(COLUMN_TITLES[column]), "tiles": []}
                                          for column in BOARD_COLUMNS}
    open_tasks = [task for task in inbox(sf, actor, limit=MAX_TILES)
                  if task["role"] == "developer" and task["board_column"] in columns]
    hours = _estimated_hours(sf, {ticket_number(t["ticket_key"]) for t in open_tasks if t["ticket_key"]})
    for task in open_tasks:
        tile = {key: value for key, value in task.items() if key != "form"}
        tile["hours"] = hours.get(ticket_number(task["ticket_key"])) if task["ticket_key"] else None
        columns[task["board_column"]]["tiles"].append(tile)
    for column in columns.values():
        column["tiles"].sort(key=_board_order)
    return list(columns.values())


def _board_order(tile: dict) -> tuple:
    hours = tile["hours"]
    return (_PRIORITY_RANK.get(tile["priority"], len(PRIORITIES)), tile["created_at"] or "",
            hours is None, hours or 0)


def _estimated_hours(sf: Supportflow, ticket_ids: set[int | None]) -> dict[int | None, float]:
    """The hours of each ticket's latest estimate: the data of a task marked offer=estimate in any deployed
    version, so that a ticket whose instance runs an older version finds its estimate too."""
    with sf.db.read() as conn:
        estimate_tasks = sf.definitions.offer_steps(conn, "estimate")
        estimates = board_store.latest_task_data(conn, {number for number in ticket_ids if number is not None},
                                                 estimate_tasks)
    return {ticket_id: data["hours"] for ticket_id, data in estimates.items()
            if isinstance(data.get("hours"), int | float) and not isinstance(data.get("hours"), bool)}
