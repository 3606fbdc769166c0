"""What process owners do with definitions through the API: list, upload a new version, download."""

from engine.bpmn.diff import diff_documents
from engine.bpmn.validation import condition_warnings
from engine.errors import InvalidDefinition, NotFound
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.wording import NO_VERSION, NOT_DEPLOYED
from engine.store import accounts as account_store
from engine.store import definitions as definition_store


def list_versions(sf: Supportflow, actor: Actor) -> list[dict]:
    actor.require("process:read")
    rows = sf.definitions.versions()
    with sf.db.read() as conn:
        names = account_store.usernames(conn, {r["deployed_by"] for r in rows if r["deployed_by"]})
    return [{"process_id": r["process_id"], "version": r["version"], "name": r["name"],
             "deployed_at": r["deployed_at"].isoformat(), "deployed_by": names.get(r["deployed_by"]),
             "running_instances": r["running_instances"], "called_processes": r["called_processes"]}
            for r in rows]


def newest_versions(sf: Supportflow, actor: Actor) -> dict[str, int]:
    """{process id: its newest version number}, without counting instances (cheap, for pickers and links)."""
    actor.require("process:read")
    with sf.db.read() as conn:
        newest = definition_store.latest_version_ids(conn)
    return {process_id: sf.definitions.deployed(version_id).version
            for process_id, version_id in sorted(newest.items())}


def version_numbers(sf: Supportflow, actor: Actor, process_id: str) -> list[int]:
    """Every version number of a process, oldest first (versions count up from 1 and are never removed)."""
    newest = newest_versions(sf, actor).get(process_id)
    if newest is None:
        raise NotFound(NOT_DEPLOYED.format(process_id=process_id))
    return list(range(1, newest + 1))


def version_name(sf: Supportflow, actor: Actor, process_id: str, number: int) -> str:
    """The name a version gives its process; NotFound when there is no such version."""
    actor.require("process:read")
    with sf.db.read() as conn:
        row = definition_store.version_by_number(conn, process_id, number)
    if row is None:
        raise NotFound(NO_VERSION.format(number=number, process_id=process_id))
    return row["name"]


def upload(sf: Supportflow, actor: Actor, xml: bytes) -> tuple[dict, bool]:
    actor.require("process:edit")
    row, created = sf.definitions.deploy(xml, deployed_by=actor.id, now=sf.clock.now())
    warnings = _warnings(sf, sf.definitions.deployed(row["id"]).document)
    return {"process_id": row["process_id"], "version": row["version"], "created": created,
            "warnings": warnings}, created


def validate(sf: Supportflow, actor: Actor, xml: bytes) -> dict:
    """Every problem a deploy of this file would refuse, without deploying it, and the warnings about what
    would deploy but fail when it runs: {valid, process_id, problems, warnings}."""
    actor.require("process:edit")
    try:
        document = sf.definitions.validate(xml)
    except InvalidDefinition as err:
        return {"valid": False, "process_id": None, "problems": err.errors, "warnings": []}
    return {"valid": True, "process_id": document.process_id, "problems": [], "warnings": _warnings(sf, document)}


def _warnings(sf: Supportflow, document) -> list[dict]:
    """Warnings about a document, judged with the newest deployed version of every other process."""
    with sf.db.read() as conn:
        latest = definition_store.latest_version_ids(conn)
    deployed = {pid: sf.definitions.deployed(vid).document for pid, vid in latest.items()
                if pid != document.process_id}
    return condition_warnings(document, deployed)


def download(sf: Supportflow, actor: Actor, process_id: str, number: int) -> str:
    actor.require("process:read")
    return sf.definitions.bpmn(process_id, number)


def diff(sf: Supportflow, actor: Actor, process_id: str, old: int, new: int) -> dict:
    """What changed from version `old` to version `new` of a process."""
    actor.require("process:read")
    documents = []
    for number in (old, new):
        with sf.db.read() as conn:
            row = definition_store.version_by_number(conn, process_id, number)
        if row is None:
            raise NotFound(NO_VERSION.format(number=number, process_id=process_id))
        documents.append(sf.definitions.deployed(row["id"]).document)
    return {"process_id": process_id, "from": old, "to": new, **diff_documents(*documents)}
