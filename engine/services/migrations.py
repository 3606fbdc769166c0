"""Moving running instances from one version of a process to another, in bulk, with a dry run. An
instance moves only where every element its saved state stands on exists in the target version; each
move is one transaction with the revision check, so a failed one changes nothing."""

from marshmallow import Schema, fields, validate

from engine.bpmn.migration import migrate, migration_problems
from engine.domain import MAX_ID, MAX_VERSION, audit_event, ticket_key
from engine.errors import Conflict, NotFound, SupportflowError
from engine.i18n import lazy
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.store import definitions as definition_store
from engine.store import history
from engine.store import instances as instance_store
from engine.store.records import InstanceHead

BOTH_VERSIONS = lazy("Both versions {old} and {new} of {process_id!r} must exist.")
MOVED_WHILE_CHECKED = lazy("The instance moved on while it was checked; run the migration again.")
MOVED_WHILE_MIGRATED = lazy("The instance moved on while it was migrated; run the migration again.")


class MigrationSchema(Schema):
    from_ = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1, max=MAX_VERSION))
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_VERSION))
    instances = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID)), load_default=None,
                            validate=validate.Length(min=1, max=10000))
    dry_run = fields.Boolean(load_default=True)


def migrate_instances(sf: Supportflow, actor: Actor, process_id: str, data) -> dict:
    actor.require("process:migrate")
    request = load_input(MigrationSchema(), data)
    with sf.db.read() as conn:
        found = [definition_store.version_by_number(conn, process_id, n) for n in (request["from_"], request["to"])]
        versions = [version for version in found if version is not None]
        if len(versions) < len(found):
            raise NotFound(BOTH_VERSIONS.format(old=request["from_"], new=request["to"], process_id=process_id))
        # The instances that run in the from-version now, as the Processes page counts them: one that left a
        # called process (or has not reached it) has nothing in it to move.
        heads = [h for h in instance_store.running_instance_heads(conn, process_id, versions[0]["id"])
                 if request["instances"] is None or h["id"] in request["instances"]]
    results = [_one(sf, actor, head, process_id, versions, request["dry_run"]) for head in heads]
    return {"process_id": process_id, "from": request["from_"], "to": request["to"], "dry_run": request["dry_run"],
            "instances": results}


def _one(sf: Supportflow, actor: Actor, head: InstanceHead, process_id: str, versions: list[dict],
         dry_run: bool) -> dict:
    result = {"id": head["id"], "ticket_key": ticket_key(head["ticket_id"]) if head["ticket_id"] else None}
    pinned = {**head["pinned_versions"], process_id: versions[1]["id"]}
    try:
        bundle = sf.definitions.bundle(head["process_id"], pinned)
        with sf.db.read() as conn:
            problems = migration_problems(instance_store.instance_state(conn, head["id"]), bundle)
        if problems or dry_run:
            return {**result, "can_move": not problems, "moved": False, "problems": problems}
        _move(sf, actor, head, pinned, bundle, process_id, versions)
    except SupportflowError as err:
        return {**result, "can_move": False, "moved": False, "problems": [str(err)]}
    return {**result, "can_move": True, "moved": True, "problems": []}


def _move(sf: Supportflow, actor: Actor, head: InstanceHead, pinned: dict, bundle, process_id: str, versions) -> None:
    now = sf.clock.now()
    with sf.db.write() as conn:
        current = instance_store.instance_head(conn, head["id"])
        if current is None or current["revision"] != head["revision"]:
            raise Conflict(MOVED_WHILE_CHECKED)
        workflow = migrate(sf.runtime, instance_store.instance_state(conn, head["id"]), bundle)
        if not instance_store.update_instance(conn, head["id"], current["revision"], state=sf.runtime.dump(workflow),
                                     version_id=pinned[head["process_id"]], pinned_versions=pinned, updated_at=now):
            raise Conflict(MOVED_WHILE_MIGRATED)
        for task in sf.runtime.ready_tasks(workflow):
            instance_store.retarget_task(conn, task.id, pinned[task.process_id], task.name)
        running = sf.runtime.running_processes(workflow)
        instance_store.set_running_processes(conn, head["id"], {pid: pinned[pid] for pid in running if pid in pinned})
        history.append_events(conn, [audit_event(
            "instance_migrated", now, ticket_id=head["ticket_id"], instance_id=head["id"], actor_id=actor.id,
            detail={"process_id": process_id, "from": versions[0]["version"], "to": versions[1]["version"]})])
    sf.workflows.forget(head["id"])
