"""A process version's heatmap: how many instances passed each element, how often it ran in all, and the
median time its user tasks stayed open. Computed from the audit trail and the task rows, which keep the
whole history however much the live workflow state is compacted."""

import statistics
from collections import Counter, defaultdict

from engine.errors import NotFound
from engine.i18n import current_language
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.wording import NO_VERSION
from engine.store import definitions as definition_store
from engine.store import history
from engine.store import instances as instance_store


def heatmap(sf: Supportflow, actor: Actor, process_id: str, number: int) -> dict:
    actor.require("process:read")
    with sf.db.read() as conn:
        row = definition_store.version_by_number(conn, process_id, number)
        if row is None:
            raise NotFound(NO_VERSION.format(number=number, process_id=process_id))
        version_id = row["id"]
        runs: Counter[str] = Counter()
        instances: defaultdict[str, set[int]] = defaultdict(set)
        for instance_id, pinned, path in history.step_paths(conn):
            if pinned.get(process_id) != version_id:
                continue
            for path_process, element in path:
                if path_process == process_id:
                    runs[element] += 1
                    instances[element].add(instance_id)
        durations = defaultdict(list)
        for element, seconds in instance_store.completed_task_times(conn, version_id):
            durations[element].append(seconds)
    elements = sf.definitions.deployed(version_id).document.elements
    return {
        "process_id": process_id, "version": number,
        "elements": [
            {"element": element_id, "name": element.name_in(current_language()), "kind": element.kind,
             "instances": len(instances.get(element_id, ())), "runs": runs.get(element_id, 0),
             "median_open_seconds": statistics.median(durations[element_id]) if durations.get(element_id) else None}
            for element_id, element in elements.items()
        ],
    }
