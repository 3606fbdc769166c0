"""Routes: process definitions (process owners)."""

from flask import g, request

from engine.services import heatmap, migrations, processes
from engine.services.inputs import load_input
from webapp.api import api, json_body
from webapp.api.schemas import DiffQuery
from webapp.downloads import bpmn_download
from webapp.wiring import supportflow


@api.get("/processes")
def list_processes():
    return processes.list_versions(supportflow(), g.actor)


@api.post("/processes")
def upload_process():
    body, created = processes.upload(supportflow(), g.actor, request.get_data(cache=False))
    return body, 201 if created else 200


@api.post("/processes/validate")
def validate_process():
    return processes.validate(supportflow(), g.actor, request.get_data(cache=False))


@api.get("/processes/<process_id>/versions/<version:number>/bpmn")
def download_process(process_id: str, number: int):
    return bpmn_download(processes.download(supportflow(), g.actor, process_id, number), process_id, number)


@api.get("/processes/<process_id>/versions/<version:number>/heatmap")
def process_heatmap(process_id: str, number: int):
    return heatmap.heatmap(supportflow(), g.actor, process_id, number)


@api.get("/processes/<process_id>/diff")
def process_diff(process_id: str):
    versions = load_input(DiffQuery(), request.args.to_dict())
    return processes.diff(supportflow(), g.actor, process_id, versions["from_"], versions["to"])


@api.post("/processes/<process_id>/migrate")
def migrate_instances(process_id: str):
    return migrations.migrate_instances(supportflow(), g.actor, process_id, json_body())
