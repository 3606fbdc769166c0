"""The process owner's pages: the deployed definitions with their versions, the editor (bpmn-js modeler,
properties panel, form editor; it validates and deploys through the JSON API), the diff between two versions
and the migration of running instances with its dry run."""

from itertools import groupby
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.domain import MAX_ID, MAX_VERSION
from engine.errors import InvalidInput
from engine.i18n import _, lazy
from engine.services import migrations, processes
from webapp.converters import bounded_number
from webapp.downloads import bpmn_download
from webapp.pages import signed_in
from webapp.wiring import supportflow

NO_SUCH_INSTANCE = lazy("There is no instance “{value}”; nothing was moved.")
CHOOSE_INSTANCES = lazy("Choose at least one instance that can move.")
MOVED = lazy("Moved {moved} instance(s) from version {old} to {new}.")
MOVED_SOME = lazy("Moved {moved} instance(s) from version {old} to {new}; {refused} could not move (see below).")

bp = Blueprint("processes", __name__)  # endpoints: processes.index, .edit, .download, .diff, .migrate


def _versions_by_process() -> dict[str, list[dict]]:
    rows = processes.list_versions(supportflow(), g.actor)  # Forbidden for anyone but process owners and ops
    return {pid: list(versions) for pid, versions in groupby(rows, key=lambda row: row["process_id"])}


@bp.get("/processes")
@signed_in
def index():
    return render_template("processes/index.html", processes=_versions_by_process())


@bp.get("/processes/<process_id>/versions/<version:number>/edit")
@signed_in
def edit(process_id: str, number: int):
    g.actor.require("process:edit")
    sf = supportflow()
    name = processes.version_name(sf, g.actor, process_id, number)
    deployed = processes.newest_versions(sf, g.actor)
    return render_template("processes/edit.html", process_id=process_id, number=number,
                           newest=deployed[process_id], deployed=sorted(deployed), name=name)


@bp.get("/processes/<process_id>/versions/<version:number>/download")
@signed_in
def download(process_id: str, number: int):
    return bpmn_download(processes.download(supportflow(), g.actor, process_id, number), process_id, number)


def _version(values, field: str, default: int | None, process_id: str, numbers: list[int]) -> int:
    """from= or to=: a version number within the bounds the API's DiffQuery holds it to (or the default when it
    is not given and there is one)."""
    raw = values.get(field)
    number = default if raw is None else bounded_number(raw, MAX_VERSION)
    if number is None:
        message = _("“{value}” is not a version of {process}: its versions are numbered 1 to {newest}.").format(
            value=raw or "", process=process_id, newest=numbers[-1])
        raise InvalidInput({field: [message]}, message)
    return number


def _pair(values, process_id: str, numbers: list[int], *, defaults: bool = True) -> tuple[int, int]:
    """The versions to compare or migrate between: from= and to=, by default the two newest."""
    old, new = (numbers[-2] if len(numbers) > 1 else numbers[-1], numbers[-1]) if defaults else (None, None)
    return (_version(values, "from", old, process_id, numbers), _version(values, "to", new, process_id, numbers))


@bp.get("/processes/<process_id>/diff")
@signed_in
def diff(process_id: str):
    numbers = processes.version_numbers(supportflow(), g.actor, process_id)
    old, new = _pair(request.args, process_id, numbers)
    changes = processes.diff(supportflow(), g.actor, process_id, old, new)
    marks = {"added": changes["added"], "changed": [item["element"] for item in changes["changed"]]}
    return render_template("processes/diff.html", process_id=process_id, numbers=numbers, diff=changes, marks=marks)


@bp.route("/processes/<process_id>/migrate", methods=["GET", "POST"])
@signed_in
def migrate(process_id: str):
    numbers = processes.version_numbers(supportflow(), g.actor, process_id)
    if request.method == "GET":
        old, new = _pair(request.args, process_id, numbers)
    else:  # what was posted moves instances: nothing is taken for granted
        old, new = _pair(request.form, process_id, numbers, defaults=False)
    sf = supportflow()
    if request.method == "POST":
        posted = request.form.getlist("instance")
        chosen = [bounded_number(value, MAX_ID) for value in posted]
        unknown = [value for value, number in zip(posted, chosen, strict=True) if number is None]
        if unknown or not chosen:
            flash(NO_SUCH_INSTANCE.format(value=unknown[0]) if unknown else str(CHOOSE_INSTANCES), "error")
            versions: dict[str, Any] = {"from": old, "to": new}  # "from" is a keyword: passed as a dict
            return redirect(url_for(".migrate", process_id=process_id, **versions))
        result = migrations.migrate_instances(sf, g.actor, process_id, {
            "from": old, "to": new, "instances": chosen, "dry_run": False})
        moved = [item for item in result["instances"] if item["moved"]]
        refused = [item for item in result["instances"] if not item["moved"]]
        flash((MOVED_SOME if refused else MOVED).format(moved=len(moved), old=old, new=new, refused=len(refused)),
              "success" if not refused else "warning")
        return render_template("processes/migrate.html", process_id=process_id, numbers=numbers, old=old, new=new,
                               result=result)
    result = migrations.migrate_instances(sf, g.actor, process_id, {"from": old, "to": new, "dry_run": True})
    return render_template("processes/migrate.html", process_id=process_id, numbers=numbers, old=old, new=new,
                           result=result)
