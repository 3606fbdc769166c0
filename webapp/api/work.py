"""Routes: the inbox (tasks) and the ops view of instances."""

from flask import g, request

from engine.services import instances, mail_log, staff_notifications, tasks
from engine.services.inputs import load_input
from webapp.api import api, json_body
from webapp.api.schemas import CompleteRequest, TerminateRequest
from webapp.wiring import supportflow


@api.get("/tasks")
def inbox():
    return tasks.inbox(supportflow(), g.actor, assigned=request.args.get("assigned"))


@api.get("/notifications")
def notifications():
    return staff_notifications.listing(supportflow(), g.actor)


@api.post("/notifications/read")
def mark_notifications_read():
    return staff_notifications.mark_read(supportflow(), g.actor, json_body())


@api.post("/tasks/<task_id>/claim")
def claim_task(task_id: str):
    return tasks.claim(supportflow(), g.actor, task_id)


@api.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id: str):
    return tasks.claim(supportflow(), g.actor, task_id, release=True)


@api.post("/tasks/<task_id>/assign")
def assign_task(task_id: str):
    return tasks.assign(supportflow(), g.actor, task_id, json_body())


@api.post("/tasks/<task_id>/complete")
def complete_task(task_id: str):
    body = load_input(CompleteRequest(), json_body())
    return tasks.complete(supportflow(), g.actor, task_id, body["data"])


@api.get("/instances")
def list_instances():
    return instances.list_instances(supportflow(), g.actor, request.args.to_dict())


@api.get("/ops/mail")
def incoming_mail():
    return mail_log.mails(supportflow(), g.actor, request.args.to_dict())


@api.get("/instances/<id:instance_id>")
def show_instance(instance_id: int):
    return instances.instance_view(supportflow(), g.actor, instance_id)


@api.post("/instances/<id:instance_id>/suspend")
def suspend_instance(instance_id: int):
    return instances.suspend(supportflow(), g.actor, instance_id)


@api.post("/instances/<id:instance_id>/resume")
def resume_instance(instance_id: int):
    return instances.resume(supportflow(), g.actor, instance_id)


@api.post("/instances/<id:instance_id>/terminate")
def terminate_instance(instance_id: int):
    body = load_input(TerminateRequest(), json_body())
    return instances.terminate(supportflow(), g.actor, instance_id, body["reason"])


@api.post("/instances/<id:instance_id>/retry")
def retry_instance(instance_id: int):
    return instances.retry(supportflow(), g.actor, instance_id)


@api.get("/instances/counts")
def instance_counts():
    return instances.status_counts(supportflow(), g.actor, request.args.get("process") or None)


@api.get("/instances/errors")
def error_inbox():
    return instances.error_inbox(supportflow(), g.actor)


@api.post("/instances/bulk")
def bulk_action():
    return {"results": instances.bulk(supportflow(), g.actor, json_body())}


@api.post("/instances/<id:instance_id>/timers/<task_id>/fire")
def fire_timer(instance_id: int, task_id: str):
    return instances.fire_timer(supportflow(), g.actor, instance_id, task_id)


@api.post("/instances/<id:instance_id>/data")
def edit_instance_data(instance_id: int):
    return instances.edit_data(supportflow(), g.actor, instance_id, json_body())
