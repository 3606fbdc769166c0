"""The developers' board: their open tasks as columns by step, ordered by priority, age and effort."""

from datetime import datetime

from flask import Blueprint, g, render_template

from engine.i18n import _
from engine.services import board, organisations
from webapp.pages import signed_in
from webapp.wiring import supportflow

bp = Blueprint("board", __name__)  # endpoints: board.index


def age_text(created_at: str | None, now: datetime) -> str:
    """'3 d', '5 h' or '12 min': how long a task has been waiting."""
    if not created_at:
        return "—"
    minutes = max(0, int((now - datetime.fromisoformat(created_at)).total_seconds() // 60))
    if minutes >= 24 * 60:
        return _("{days} d").format(days=minutes // (24 * 60))
    if minutes >= 60:
        return _("{hours} h").format(hours=minutes // 60)
    return _("{minutes} min").format(minutes=minutes)


@bp.get("/board")
@signed_in
def index():
    sf = supportflow()
    columns = board.developer_board(sf, g.actor)  # Forbidden for anyone but developers
    names = organisations.display_names(sf, {tile["assignee"] for c in columns for tile in c["tiles"]})
    now = sf.clock.now()
    return render_template("board/index.html", columns=columns, names=names,
                           age=lambda tile: age_text(tile["created_at"], now))
