"""The ops console in the browser: a script task that fails lands in the error inbox, the process owner fixes
the diagram (a new version, the instance migrated to it) and ops presses Retry; suspend blocks a task's
completion with a clear message until resume; the instance page and the heatmap draw their diagrams with
tokens and heat. The run takes the README's instance and heatmap screenshots."""

import re

import pytest

from tests.browser.conftest import Api, api_ticket, fill_form, open_task, shot, sign_in, submit
from tests.helpers import SHIPPED

pytestmark = pytest.mark.browser

RESULT = re.compile(r"Retried instance \d+; it is now (\w+)\.")


def broken_acceptance() -> str:
    """acceptance_dqp whose "Mark as rejected" script adds a number to the reason text (a TypeError)."""
    xml = (SHIPPED / "acceptance_dqp.bpmn").read_text()
    line = 'rejection_reason = remarks if remarks else "Rejected without remarks"'
    broken = xml.replace(line, f"{line}\nrejection_reason = rejection_reason + 1")
    assert broken != xml
    return broken


def wait_for_diagrams(page) -> None:
    """Every diagram on the page drawn (the viewer sets data-ready), none failed."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-diagram]')].every((d) => d.dataset.ready)")
    failed = page.locator('[data-diagram][data-ready="error"]')
    assert failed.count() == 0, failed.first.inner_text()


def flash_texts(page, kind: str) -> list[str]:
    return page.locator(f".flash-{kind}").all_inner_texts()


def test_a_failing_script_is_fixed_by_the_process_owner_and_retried_by_ops(live_server, new_page):
    base = live_server
    page = sign_in(new_page(), base, "ops")
    owner, ops = Api(page.request, base, "process"), Api(page.request, base, "ops")
    support, developer, product = (Api(page.request, base, user) for user in ("support", "developer", "owner"))
    broken = owner.deploy(broken_acceptance())
    key = api_ticket(page.request, base, "customer", title="Export button does nothing")
    support.complete(key, "triage", category="bug", priority="high", outcome="forward")
    developer.complete(key, "analyze_bug", is_bug=True, analysis="The click handler is never bound.")
    developer.complete(key, "fix_bug", fix_summary="Bind the handler on load.")
    failed = product.complete(key, "review_on_d", expect=503, ok=False, remarks="Still nothing on D.")
    assert "element" not in failed and "Operations were told" in failed["error"]  # what failed is for ops
    instance_id = ops.instance(key)["id"]

    page.goto(f"{base}/ops/errors")
    row = page.locator(f'.error-group[data-group$=":mark_rejected"] tr[data-instance="{instance_id}"]')
    assert row.count() == 1, page.locator("main").inner_text()[:1500]
    assert "str" in row.inner_text() and "int" in row.inner_text(), row.inner_text()  # the message, inline
    row.get_by_role("link", name=str(instance_id), exact=True).click()
    wait_for_diagrams(page)
    assert page.locator('[data-process="acceptance_dqp"] [data-element-id="mark_rejected"].sf-errored').count() == 1
    assert "Retry completes “Review on D” again" in page.locator("[data-last-error]").inner_text()

    # Retried before the fix: it fails again, says so, and stays in error.
    page.goto(f"{base}/ops/errors")
    submit_in(page, page.locator(f'tr[data-instance="{instance_id}"]'), "Retry")
    assert any("The step failed again" in text for text in flash_texts(page, "error")), flash_texts(page, "error")

    fixed = owner.deploy((SHIPPED / "acceptance_dqp.bpmn").read_text())
    moved = owner.call("POST", "/processes/acceptance_dqp/migrate",
                       data={"from": broken, "to": fixed, "instances": [instance_id], "dry_run": False})
    assert [result["moved"] for result in moved["instances"]] == [True], moved

    page.goto(f"{base}/ops/errors")
    submit_in(page, page.locator(f'tr[data-instance="{instance_id}"]'), "Retry")
    assert any(RESULT.search(text) for text in flash_texts(page, "success")), page.locator(".flash").all_inner_texts()
    assert page.locator(f'tr[data-instance="{instance_id}"]').count() == 0
    page.goto(f"{base}/ops/instances/{instance_id}")
    assert page.locator("[data-instance-status]").first.inner_text() == "waiting"
    assert page.locator('[data-open-task="fix_bug"]').count() == 1  # rejected on D: back to fixing the bug
    wait_for_diagrams(page)
    assert page.locator('[data-process="bug_fix"] [data-element-id="fix_bug"].sf-active').count() == 1


def submit_in(page, scope, button: str):
    with page.expect_navigation() as navigation:
        scope.get_by_role("button", name=button).click()
    assert navigation.value.ok, navigation.value.status
    return navigation.value


def test_suspend_blocks_completing_a_task_until_resume(live_server, new_page):
    base = live_server
    ops_page, support_page = sign_in(new_page(), base, "ops"), sign_in(new_page(), base, "support")
    key = api_ticket(ops_page.request, base, "customer", title="Invoices are sent twice")
    ops_page.goto(f"{base}/ops/instances?ticket={key}")
    with ops_page.expect_navigation():
        ops_page.locator(f'tr[data-ticket="{key}"] a[href^="/ops/instances/"]').click()
    instance_url = ops_page.url
    submit(ops_page, "Suspend")
    assert any("it is now suspended" in text for text in flash_texts(ops_page, "success"))

    open_task(support_page, base, key, "triage")
    fill_form(support_page, {"category": "bug", "priority": "low", "outcome": "someday"})
    refused = submit(support_page, "Complete task")
    assert refused.status == 409
    message = support_page.locator("main").inner_text()
    assert "suspended by operations" in message and "nothing was saved" in message, message

    ops_page.goto(instance_url)
    submit(ops_page, "Resume")
    assert any("it is now waiting" in text for text in flash_texts(ops_page, "success"))
    open_task(support_page, base, key, "triage")
    fill_form(support_page, {"category": "bug", "priority": "low", "outcome": "someday"})
    done = submit(support_page, "Complete task")
    assert done.ok and any(key in text for text in flash_texts(support_page, "success"))


def test_the_instance_page_and_the_heatmap_draw_tokens_and_heat(live_server, new_page):
    base = live_server
    page = sign_in(new_page(), base, "ops")
    support, customer = Api(page.request, base, "support"), Api(page.request, base, "customer")
    answer = {"category": "question", "priority": "normal", "outcome": "answer",
              "answer": "Clear the browser cache, then sign in again."}
    # Some traffic for the heatmap: answered, won't fix, and one asked back after a reopened answer.
    for title, outcome in (("Where is the CSV export?", "answer"), ("Dark mode, please", "someday")):
        other = api_ticket(page.request, base, "customer", title=title, category="question")
        if outcome == "answer":
            support.complete(other, "triage", **answer)
            customer.complete(other, "confirm_answer", solved=True)
        else:
            support.complete(other, "triage", category="feature", priority="low", outcome="someday")
    key = api_ticket(page.request, base, "customer", title="Login fails after the update", category="question")
    support.complete(key, "triage", **answer)
    customer.complete(key, "confirm_answer", solved=False, comment="Still the same error.")
    support.complete(key, "triage", category="bug", priority="high", outcome="need_info",
                     question="Which steps lead to the error?")
    instance_id = Api(page.request, base, "ops").instance(key)["id"]

    page.goto(f"{base}/ops/instances/{instance_id}")
    wait_for_diagrams(page)
    main = page.locator('[data-process="support_ticket"]')
    assert main.locator('[data-element-id="provide_information"].sf-active').count() == 1
    assert main.locator('[data-element-id="triage"].sf-ran').count() == 1
    assert main.locator(".sf-badge-token").count() == 1
    assert "2" in [badge.inner_text() for badge in main.locator(".sf-badge-runs").all()]  # triage ran twice
    assert page.locator('[data-timer="provide_information_timeout"]').count() == 1
    shot(page, "instance")

    with page.expect_navigation():
        page.locator(".ops-facts").get_by_role("link", name=re.compile(r"support_ticket v\d+")).click()
    assert "/heatmap" in page.url
    wait_for_diagrams(page)
    assert page.locator('[data-element-id="ticket_submitted"][class*="sf-heat-"]').count() == 1
    triage = page.locator('tr[data-element="triage"]')
    assert int(triage.get_attribute("data-instances")) >= 3 and int(triage.get_attribute("data-runs")) >= 4
    shot(page, "heatmap")
