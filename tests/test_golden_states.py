"""Workflow states saved by an earlier release must load and run on this one (SpiffWorkflow or our
serializer changing under running tickets is what breaks a support desk on upgrade day). The fixtures
in tests/fixtures/golden were written once, with the diagrams they were made with; never regenerate
them to make this test pass — add a migration instead."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.runtime import Runtime
from engine.bpmn.specs import build_bundle
from engine.bpmn.xml import parse_bpmn

pytestmark = pytest.mark.processes  # evaluator processes, servers or a database of its own

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle():
    documents = {p.stem: read_document(parse_bpmn(p.read_bytes())) for p in GOLDEN.glob("*.bpmn")}
    return build_bundle(documents["support_ticket"], documents, key=("golden",))


def run(runtime, workflow, element, **data):
    [task] = [t for t in runtime.ready_tasks(workflow) if t.element == element]
    return runtime.complete_task(workflow, task.id, data, NOW)


def test_a_bug_saved_inside_the_acceptance_call_finishes(bundle):
    runtime = Runtime()
    workflow = runtime.load(bundle, (GOLDEN / "bug_waiting_for_accept_on_q.json").read_bytes())
    assert [t.element for t in runtime.ready_tasks(workflow)] == ["accept_on_q"]
    assert runtime.current_data(workflow)["ticket_key"] == "SUP-1"
    run(runtime, workflow, "accept_on_q", ok=True, remarks=None)
    run(runtime, workflow, "deploy_to_p", version="1.0")
    outcome = run(runtime, workflow, "confirm_on_p", ok=True, remarks=None)
    assert outcome.finished and ("bug_fix", "bug_fixed") in outcome.entered


def test_a_feature_saved_with_a_pending_offer_is_decided(bundle):
    runtime = Runtime()
    workflow = runtime.load(bundle, (GOLDEN / "feature_waiting_for_decide_offer.json").read_bytes())
    assert [t.element for t in runtime.ready_tasks(workflow)] == ["decide_offer"]
    outcome = run(runtime, workflow, "decide_offer", accept=False)
    assert outcome.finished and ("feature_request", "offer_declined") in outcome.entered
