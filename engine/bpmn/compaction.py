"""Keep a long-lived workflow small. SpiffWorkflow grows its task tree by every loop iteration (and keeps
every finished call-activity subprocess), stops finding tasks at depth 1,000 and scans the whole tree on
every step. History lives in the audit trail, so finished tasks that nothing live depends on go."""

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


def compact(workflow: BpmnWorkflow) -> int:
    """Drop finished history from the workflow and its subprocesses; returns how many tasks went."""
    removed = _drop_finished_subprocesses(workflow)
    for wf in (workflow, *workflow.subprocesses.values()):
        removed += _prune_finished_ancestors(wf)
    return removed


def _drop_finished_subprocesses(workflow: BpmnWorkflow) -> int:
    removed = 0
    owners = {}
    for wf in (workflow, *workflow.subprocesses.values()):
        owners.update(wf.tasks)
    for task_id, subprocess in list(workflow.subprocesses.items()):
        owner = owners.get(task_id)
        if subprocess.completed and (owner is None or owner.has_state(TaskState.FINISHED_MASK)):
            removed += len(subprocess.tasks)
            del workflow.subprocesses[task_id]
    return removed


def _prune_finished_ancestors(wf) -> int:
    """Re-hang the live part of the tree (everything below the lowest common ancestor of the unfinished
    tasks, plus that ancestor's parent, whose data a waiting task may still inherit) under the root."""
    root = wf.task_tree
    live = [t for t in wf.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if live:
        anchor = _lowest_common_ancestor(live)
        keep_from = anchor.parent if anchor.parent is not None and anchor.parent is not root else anchor
    elif wf.last_task is not None and wf.last_task is not root:
        keep_from = wf.last_task  # a finished workflow keeps its last task: callers read its data
    else:
        return 0
    if keep_from is root or keep_from.parent is root:
        return 0
    kept = {task.id for task in _subtree(keep_from)}
    kept.add(root.id)
    doomed = [task_id for task_id in wf.tasks if task_id not in kept]
    for task_id in doomed:
        task = wf.tasks.pop(task_id)
        wf.top_workflow.event_manager.remove_task(task)
    keep_from._parent = root.id
    root._children = [keep_from.id]
    if wf.last_task is not None and wf.last_task.id not in kept:
        wf.last_task = None
    return len(doomed)


def _lowest_common_ancestor(tasks):
    path = _path_from_root(tasks[0])
    depth = len(path)
    for task in tasks[1:]:
        other = _path_from_root(task)
        depth = min(depth, len(other))
        for i in range(depth):
            if path[i] is not other[i]:
                depth = i
                break
    return path[depth - 1]


def _path_from_root(task):
    path = []
    while task is not None:
        path.append(task)
        task = task.parent
    path.reverse()
    return path


def _subtree(task):
    stack = [task]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)
