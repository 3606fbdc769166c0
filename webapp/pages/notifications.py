"""The staff's notifications: the bell on every page (the unread count), the list at /notifications, newest first,
each marked read when opened; marking all read. Customers have none: their portal tells them instead."""

from datetime import datetime

from flask import Blueprint, flash, g, redirect, render_template, url_for

from engine.i18n import lazy
from engine.services import staff_notifications
from webapp.pages import signed_in
from webapp.wiring import supportflow

bp = Blueprint("notifications", __name__)  # endpoints: index, show (marks it read, goes to it), read_all (POST)

ALL_READ = lazy("All notifications are marked read.")


def bell() -> dict:
    """The unread count for the bell of a signed-in staff member's pages (None: no bell)."""
    actor = g.get("actor")
    if actor is None or not actor.is_staff:
        return {"unread_notifications": None}
    return {"unread_notifications": staff_notifications.unread_count(supportflow(), actor)}


def _staff_only():
    return redirect(url_for("portal.index")) if g.actor.is_customer else None


@bp.get("/notifications")
@signed_in
def index():
    if (elsewhere := _staff_only()) is not None:
        return elsewhere
    sf = supportflow()
    listing = staff_notifications.listing(sf, g.actor)
    items = [{**item, "moment": datetime.fromisoformat(item["at"])} for item in listing["items"]]
    return render_template("notifications/index.html", items=items, unread=listing["unread"],
                           mail_choice=staff_notifications.mail_choice(sf, g.actor))


@bp.get("/notifications/<id:notification_id>")
@signed_in
def show(notification_id: int):
    return redirect(staff_notifications.open_notification(supportflow(), g.actor, notification_id))


@bp.post("/notifications/read")
@signed_in
def read_all():
    staff_notifications.mark_read(supportflow(), g.actor, {"all": True})
    flash(ALL_READ, "success")
    return redirect(url_for("notifications.index"))
