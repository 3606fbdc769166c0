"""The process owner's pages: the deployed definitions with their versions, the editor (bpmn-js modeler,
properties panel, form editor; it validates and deploys through the JSON API), the diff between two versions
and the migration of running instances with its dry run."""

from itertools import groupby

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import InvalidInput
from engine.services import migrations, processes
from webapp.downloads import bpmn_download
from webapp.pages import current_engine, signed_in

bp = Blueprint("processes", __name__)  # endpoints: processes.index, .edit, .download, .diff, .migrate


def _versions_by_process() -> dict[str, list[dict]]:
    rows = processes.list_versions(current_engine(), g.actor)  # Forbidden for anyone but process owners and ops
    return {pid: list(versions) for pid, versions in groupby(rows, key=lambda row: row["process_id"])}


@bp.get("/processes")
@signed_in
def index():
    return render_template("processes/index.html", processes=_versions_by_process(),
                           can_edit="process_owner" in g.actor.roles)


@bp.get("/processes/<process_id>/versions/<version:number>/edit")
@signed_in
def edit(process_id: str, number: int):
    processes.require_roles(g.actor, {"process_owner"}, "edit process definitions")
    sf = current_engine()
    name = processes.version_name(sf, g.actor, process_id, number)
    deployed = processes.newest_versions(sf, g.actor)
    return render_template("processes/edit.html", process_id=process_id, number=number,
                           newest=deployed[process_id], deployed=sorted(deployed), name=name)


@bp.get("/processes/<process_id>/versions/<version:number>/download")
@signed_in
def download(process_id: str, number: int):
    return bpmn_download(processes.download(current_engine(), g.actor, process_id, number), process_id, number)


def _pair(numbers: list[int]) -> tuple[int, int]:
    """The versions to compare or migrate between: ?from=&to=, by default the two newest."""
    try:
        old = int(request.args.get("from", numbers[-2] if len(numbers) > 1 else numbers[-1]))
        new = int(request.args.get("to", numbers[-1]))
    except ValueError:
        raise InvalidInput({"from": ["Versions are whole numbers."]}) from None
    return old, new


@bp.get("/processes/<process_id>/diff")
@signed_in
def diff(process_id: str):
    numbers = processes.version_numbers(current_engine(), g.actor, process_id)
    old, new = _pair(numbers)
    changes = processes.diff(current_engine(), g.actor, process_id, old, new)
    marks = {"added": changes["added"], "changed": [item["element"] for item in changes["changed"]]}
    return render_template("processes/diff.html", process_id=process_id, numbers=numbers, diff=changes, marks=marks)


@bp.route("/processes/<process_id>/migrate", methods=["GET", "POST"])
@signed_in
def migrate(process_id: str):
    numbers = processes.version_numbers(current_engine(), g.actor, process_id)
    old, new = _pair(numbers) if request.method == "GET" else (request.form.get("from"), request.form.get("to"))
    sf = current_engine()
    if request.method == "POST":
        chosen = [int(value) for value in request.form.getlist("instance") if value.isdigit()]
        if not chosen:
            flash("Choose at least one instance that can move.", "error")
            return redirect(url_for(".migrate", process_id=process_id, **{"from": old, "to": new}))
        result = migrations.migrate_instances(sf, g.actor, process_id, {
            "from": old, "to": new, "instances": chosen, "dry_run": False})
        moved = [item for item in result["instances"] if item["moved"]]
        refused = [item for item in result["instances"] if not item["moved"]]
        flash(f"Moved {len(moved)} instance(s) from version {old} to {new}"
              + (f"; {len(refused)} could not move (see below)." if refused else "."),
              "success" if not refused else "warning")
        return render_template("processes/migrate.html", process_id=process_id, numbers=numbers, old=int(old),
                               new=int(new), result=result)
    result = migrations.migrate_instances(sf, g.actor, process_id, {"from": old, "to": new, "dry_run": True})
    return render_template("processes/migrate.html", process_id=process_id, numbers=numbers, old=old, new=new,
                           result=result)
