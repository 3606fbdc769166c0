"""The signed-in user's own account: changing the password, the language supportflow speaks to them, and how
staff hear of their notifications by mail. The engine judges the new password; this page only asks for it twice
so that a typo does not lock the user out."""

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from engine import i18n
from engine.errors import InvalidInput, TooManyAttempts
from engine.i18n import lazy
from engine.services import accounts, preferences, staff_notifications
from webapp.pages import signed_in
from webapp.pages.signin import home_for
from webapp.wiring import supportflow

bp = Blueprint("account", __name__)  # endpoints: account.password, account.language (POST), account.notifications

MISMATCH = lazy("The two new passwords differ; type the new password twice, the same way.")
CHANGED = lazy("Your password is changed. Everywhere else you are signed out; here you stay signed in.")
MAIL_CHOSEN = lazy("Saved: how you hear of your notifications by mail.")
LANGUAGE_SET = lazy("supportflow now speaks {language} to you.")
LANGUAGE_OF_BROWSER = lazy("supportflow now speaks your browser's language to you.")


def _form(errors: dict, status: int):
    # The passwords typed are never sent back into the page.
    return render_template("account/password.html", errors=errors, language=g.actor.language or ""), status


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def password():
    if request.method == "GET":
        return _form({}, 200)
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        return _form({"confirm": [str(MISMATCH)]}, 422)
    try:
        accounts.change_password(supportflow(), g.actor, session["token"],
                                 {"current": request.form.get("current", ""), "new": new}, request.remote_addr)
    except InvalidInput as err:
        return _form(err.errors, 422)
    except TooManyAttempts as err:
        return _form({"current": [str(err)]}, 429)
    flash(str(CHANGED), "success")
    return redirect(home_for(g.actor))


@bp.route("/account/notifications", methods=["GET", "POST"])
@signed_in
def notifications():
    sf = supportflow()
    if g.actor.is_customer:
        return redirect(home_for(g.actor))
    if request.method == "POST":
        try:
            staff_notifications.set_mail_choice(sf, g.actor, {"notify_by_mail": request.form.get("notify_by_mail")})
        except InvalidInput as err:
            return render_template("account/notifications.html", choice=None, errors=err.errors), 422
        flash(MAIL_CHOSEN, "success")
        return redirect(url_for("notifications.index"))
    return render_template("account/notifications.html", choice=staff_notifications.mail_choice(sf, g.actor),
                           errors={})
@bp.post("/account/language")
@signed_in
def language():
    try:
        chosen = preferences.set_language(supportflow(), g.actor, request.form.get("language"))
    except InvalidInput as err:
        return _form(err.errors, 422)
    with i18n.speaking(chosen or i18n.best_language(request.headers.get("Accept-Language"))):
        flash(LANGUAGE_SET.format(language=i18n.LANGUAGE_NAMES[chosen]) if chosen else str(LANGUAGE_OF_BROWSER),
              "success")
    return redirect(url_for("account.password", _anchor="language"))
