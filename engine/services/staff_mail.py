"""The mails that tell staff of their notifications, in each person's language: one at once (written into the
outbox in the transaction that made the notification), or the daily digest, sent by the background worker at
SUPPORTFLOW_DIGEST_HOUR in the desk's time zone, once per person and day.

The digest of a day holds what the person neither read nor was mailed of yet from the 24 hours before that
day's digest hour. Each person due one is claimed with their row locked (engine.store.jobs.claim_digest_recipient),
their notifications read again under the lock, mailed and marked `mailed_at` in the same transaction: any number
of workers send each digest once, and a later round finds nothing left of that day."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from engine.i18n import DEFAULT_TIMEZONE, current_language, format_datetime, ngettext, speaking
from engine.services import mail_out
from engine.services.context import Supportflow
from engine.services.mail_templates import render_template
from engine.services.notification_words import describe, link_of
from engine.store import jobs
from engine.store import notifications as store

AT_ONCE_TEMPLATE = "staff_notification"
DIGEST_TEMPLATE = "staff_digest"
MAX_DIGESTS_PER_ROUND = 500  # people per worker round: the worker beats its heart between rounds
MAX_SUBJECT = 300

SETTINGS_PATH = "/account/notifications"


def _address(sf: Supportflow, path: str) -> str:
    """A link into supportflow: the path under the address people reach it at (SUPPORTFLOW_BASE_URL), when set."""
    base = sf.settings.base_url.rstrip("/")
    return f"{base}{path}"


def _message(conn, person: dict, template: str, values: dict, now: datetime) -> dict:
    """The outbox row of a staff mail in the current language (the person's)."""
    subject, body = render_template(conn, template, current_language(), {
        "person": {"name": person["display_name"]}, **values})
    return {"ticket_id": None, "organisation_id": None, "template": template, "subject": subject[:MAX_SUBJECT],
            "body": body, "recipients": [person["email"]], "created_at": now}


def mail_at_once(sf: Supportflow, conn, person: dict, row: dict) -> None:
    """Put the mail telling `person` of the notification `row` into the outbox, in their language."""
    with speaking(person["language"]):
        values = {"notification": {"text": describe(row), "link": _address(sf, link_of(row))},
                  "account": {"link": _address(sf, SETTINGS_PATH)}}
        mail_out.put(conn, sf.settings, [_message(conn, person, AT_ONCE_TEMPLATE, values, row["at"])])


def digest_moment(now: datetime, hour: int, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """The latest digest hour at or before `now`, in the desk's time zone."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), time(hour), zone)
    if moment > local:
        moment = datetime.combine(local.date() - timedelta(days=1), time(hour), zone)
    return moment


def send_digests(sf: Supportflow) -> int:
    """Mail each person due today's digest (if there is anything in it); how many digests were written."""
    now = sf.clock.now()
    before = digest_moment(now, sf.settings.digest_hour)
    since = before - timedelta(days=1)
    written = 0
    for _ in range(MAX_DIGESTS_PER_ROUND):
        with sf.db.write() as conn:
            person = jobs.claim_digest_recipient(conn, since, before)
            if person is None:
                break
            rows = store.unmailed(conn, person["id"], since, before)  # read again, under the lock
            if rows:
                mail_out.put(conn, sf.settings, [_digest(sf, conn, person, rows, now)])
                store.mark_mailed(conn, [row["id"] for row in rows], now)
                written += 1
    return written


def _digest(sf: Supportflow, conn, person: dict, rows: list[dict], now: datetime) -> dict:
    with speaking(person["language"]):
        count = ngettext("%(num)d notification", "%(num)d notifications", len(rows)) % {"num": len(rows)}
        lines = [f"- {format_datetime(row['at'])}: {describe(row)}\n  {_address(sf, link_of(row))}" for row in rows]
        values = {"digest": {"count": count, "list": "\n".join(lines)},
                  "account": {"link": _address(sf, SETTINGS_PATH)}}
        return _message(conn, person, DIGEST_TEMPLATE, values, now)
