"""Forgotten passwords and invitations: asking for a reset link (the answer is the same whether or not the
address is known), and the page a mailed link opens, where the person chooses a password (typed twice). The
engine judges the link and the password; this page only shows what it said."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine.errors import Gone, InvalidInput, NotFound, TooManyAttempts
from engine.i18n import lazy
from engine.services import links
from webapp.wiring import supportflow

bp = Blueprint("password_links", __name__)  # endpoints: password_links.forgot, password_links.choose

ASKED = lazy("If an account has this address, a mail with a link to choose a new password is on its way. "
             "The link works once, for two hours.")
MISMATCH = lazy("The two passwords differ; type the new password twice, the same way.")
PASSWORD_SET = lazy("Your password is set. Sign in with it.")


@bp.route("/password/reset", methods=["GET", "POST"])
def forgot():
    if request.method == "GET":
        return render_template("session/forgot.html", email="", errors={})
    email = request.form.get("email", "")
    try:
        links.request_reset(supportflow(), {"email": email}, request.remote_addr)
    except InvalidInput as err:
        return render_template("session/forgot.html", email=email, errors=err.errors), 422
    except TooManyAttempts as err:
        return render_template("session/forgot.html", email=email, errors={"email": [str(err)]}), 429
    flash(ASKED, "info")
    return redirect(url_for("session.sign_in"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def choose(token: str):
    try:
        link = links.link_state(supportflow(), token)
    except (NotFound, Gone) as err:
        return render_template("session/link_gone.html", message=str(err)), 404 if isinstance(err, NotFound) else 410
    if request.method == "GET":
        return _form(link, {}, 200)
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        return _form(link, {"confirm": [MISMATCH]}, 422)
    try:
        links.set_password(supportflow(), token, {"password": password})
    except InvalidInput as err:
        return _form(link, err.errors, 422)
    except Gone as err:  # used meanwhile, in another tab
        return render_template("session/link_gone.html", message=str(err)), 410
    flash(PASSWORD_SET, "success")
    return redirect(url_for("session.sign_in"))


def _form(link: dict, errors: dict, status: int):
    # The passwords typed are never sent back into the page.
    return render_template("session/choose_password.html", link=link, errors=errors), status
