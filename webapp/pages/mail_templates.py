"""The mail templates for process owners and admins (/mail-templates): the list, one template in one language to
edit with its placeholders listed, a preview of it as the recipient gets it (subject, text and HTML part, from a
sample ticket or one named), save and reset to the shipped text. The engine checks the texts; this page shows
what it said."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import InvalidInput, NotFound
from engine.i18n import LANGUAGE_NAMES, lazy
from engine.services import mail_template_editing as editing
from webapp.pages import signed_in
from webapp.wiring import supportflow

bp = Blueprint("mail_templates", __name__)  # endpoints: index, edit (GET, POST), reset (POST)

SAVED = lazy("The template “{name}” ({language}) is saved; the next mail of it says what it says now.")
RESET = lazy("The template “{name}” ({language}) is back to the shipped text.")
FIELDS = ("subject", "body", "ticket")


@bp.get("/mail-templates")
@signed_in
def index():
    items = editing.list_templates(supportflow(), g.actor)
    return render_template("mail_templates/index.html", items=items, languages=LANGUAGE_NAMES)


@bp.route("/mail-templates/<name>/<language>", methods=["GET", "POST"])
@signed_in
def edit(name: str, language: str):
    sf = supportflow()
    template = editing.template(sf, g.actor, name, language)
    if request.method == "GET":
        return _page(template, {"subject": template["subject"], "body": template["body"]}, {})
    values = {key: request.form.get(key, "") for key in FIELDS}
    if request.form.get("preview"):
        try:
            preview = editing.preview(sf, g.actor, name, language, {
                "subject": values["subject"], "body": values["body"], "ticket": values["ticket"].strip() or None})
        except (InvalidInput, NotFound) as err:
            return _page(template, values, _errors(err), 422)
        return _page(template, values, {}, preview=preview)
    try:
        editing.save(sf, g.actor, name, language, {"subject": values["subject"], "body": values["body"]})
    except InvalidInput as err:
        return _page(template, values, err.errors, 422)
    flash(SAVED.format(name=name, language=LANGUAGE_NAMES[language]), "success")
    return redirect(url_for("mail_templates.edit", name=name, language=language))


@bp.post("/mail-templates/<name>/<language>/reset")
@signed_in
def reset(name: str, language: str):
    editing.reset(supportflow(), g.actor, name, language)
    flash(RESET.format(name=name, language=LANGUAGE_NAMES[language]), "success")
    return redirect(url_for("mail_templates.edit", name=name, language=language))


def _errors(err: InvalidInput | NotFound) -> dict:
    """A preview's refusal: the texts' errors, or the ticket that is not there."""
    return err.errors if isinstance(err, InvalidInput) else {"ticket": [str(err)]}


def _page(template: dict, values: dict, errors: dict, status: int = 200, preview: dict | None = None):
    return render_template("mail_templates/edit.html", template=template, values=values, errors=errors,
                           fields=FIELDS, preview=preview, languages=LANGUAGE_NAMES), status
