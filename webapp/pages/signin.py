"""Signing in and out, and the front door that sends each user to where their work is."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from engine import i18n
from engine.errors import TooManyAttempts, Unauthorized
from engine.i18n import lazy
from engine.services import accounts
from webapp.wiring import supportflow

WELCOME = lazy("Welcome, {name}.")
SIGNED_OUT = lazy("You are signed out.")

bp = Blueprint("session", __name__)  # endpoints: session.sign_in, session.sign_out, session.home


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an absolute URL or //host (an open redirect); browsers read a
    backslash as a slash, so /\\host is refused too."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return None
    return target


def home_for(actor) -> str:
    """Where someone's work is: customers their portal, process owners the processes, ops the instances, other
    staff the inbox (who holds what: the capability table)."""
    if actor.is_customer:
        return url_for("portal.index")
    if actor.can("process:edit"):
        return url_for("processes.index")
    if actor.can("instance:inspect"):
        return url_for("ops.instances")
    return url_for("inbox.index")


@bp.get("/")
def home():
    if g.actor is None:
        return redirect(url_for("session.sign_in"))
    return redirect(home_for(g.actor))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.actor is not None:
            return redirect(next_page or home_for(g.actor))
        return render_template("session/sign_in.html", next=next_page, username="")
    username = request.form.get("username", "").strip()
    try:
        token = accounts.sign_in(supportflow(), username, request.form.get("password", ""), request.remote_addr)
    except (Unauthorized, TooManyAttempts) as err:
        status = 429 if isinstance(err, TooManyAttempts) else 401
        return render_template("session/sign_in.html", next=next_page, username=username, error=str(err)), status
    language = session.get("language")  # asked for on the sign-in page (?lang=)
    session.clear()  # a fresh session (and CSRF token) for the new user: no fixation
    if language:
        session["language"] = language
    session["token"] = token
    session.permanent = True
    actor = accounts.actor_for_token(supportflow(), token)
    with i18n.speaking(i18n.known_language(actor.language) or i18n.current_language()):  # their own language
        flash(WELCOME.format(name=actor.display_name), "success")
    return redirect(next_page or home_for(actor))


@bp.post("/sign-out")
def sign_out():
    token = session.get("token")
    if token:
        accounts.sign_out(supportflow(), token)
    session.clear()
    flash(str(SIGNED_OUT), "info")
    return redirect(url_for("session.sign_in"))
