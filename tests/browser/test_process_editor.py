"""The process owner in the browser: edit support_ticket in the bpmn-js modeler, validate, deploy a new
version that new tickets start on while running ones stay; an invalid diagram is refused with its elements
marked; running instances migrate between versions from the migration page, a refused one stays.

Every test leaves the shipped content as the newest version of support_ticket (deployed again as a new
version at the end), so the other browser tests on the same server keep running the shipped process."""

import re

import pytest

from tests.browser.conftest import Api, api_ticket, shot, sign_in

pytestmark = pytest.mark.browser

PROCESS = "support_ticket"
TRIAGE_ANSWER = {"category": "question", "priority": "normal", "outcome": "answer",
                 "answer": "Open Settings > Printing and choose the PDF printer."}


def open_editor(page, base: str, number: int):
    page.goto(f"{base}/processes/{PROCESS}/versions/{number}/edit")
    status = page.locator("[data-status]")
    status.filter(has_text="Opened").wait_for()
    return status


def select(page, element_id: str):
    """Click the element on the canvas as a user does; its properties fill the panel."""
    page.locator(f'g.djs-element[data-element-id="{element_id}"]').first.click()
    page.locator(".bio-properties-panel-header-label", has_text=re.compile(".")).first.wait_for()


def select_by_id(page, element_id: str):
    """Sequence flows are thin lines a click at their box's centre misses: select them as the search does."""
    page.evaluate("id => window.supportflowEditor.focus(id)", element_id)


def entry(page, entry_id: str):
    return page.locator(f'[data-entry-id="{entry_id}"]').locator("input, textarea, select").first


def test_owner_edits_validates_and_deploys_a_version_new_tickets_start_on(live_server, page, shipped):
    base, (old_version, _) = live_server, shipped
    owner = Api(page.request, base, "process")
    ops = Api(page.request, base, "ops")
    running = api_ticket(page.request, base, "customer", title="Started before the change")
    sign_in(page, base, "process")
    status = open_editor(page, base, old_version)

    select(page, "notify_info_reminder")
    name = entry(page, "name")
    name.fill("Send a friendly reminder")
    name.press("Tab")
    page.locator('g[data-element-id="notify_info_reminder"] text').filter(has_text="friendly").wait_for()

    select(page, "provide_information_reminder")
    timer = entry(page, "sf-timer")
    assert timer.input_value() == "P14D", "the panel shows the duration, not the Python string around it"
    timer.fill("P10")
    timer.press("Tab")
    page.locator('[data-entry-id="sf-timer"] .bio-properties-panel-error').filter(
        has_text="not an ISO 8601 duration").wait_for()
    timer.fill("P10D")
    timer.press("Tab")

    select(page, "triage")
    assert page.locator('[data-entry-id="sf-form"]').inner_text().count("outcome"), "the form's fields are listed"
    shot(page, "editor")

    # The form is edited beside the diagram in form-js's editor, previewed, and put back into the task.
    page.get_by_role("button", name="Edit form").click()
    forms = page.locator("[data-form-panel]")
    forms.locator(".fjs-editor-container").wait_for()
    assert forms.locator("[data-form-title]").inner_text() == "Form of Triage the ticket (triage)"
    page.wait_for_function(  # opened where it is seen, not below the fold
        "() => { const top = document.querySelector('[data-form-panel]').getBoundingClientRect().top;"
        " return top > -1 && top < window.innerHeight / 2; }")
    palette = forms.locator(".fjs-palette-field:visible")
    offered = {palette.nth(n).get_attribute("data-field-type") for n in range(palette.count())}
    assert offered == {"textfield", "textarea", "number", "datetime", "checkbox", "radio", "select", "text"}, (
        "the palette offers what supportflow's forms read, nothing more")
    forms.get_by_role("button", name="Preview", exact=True).click()
    preview = forms.locator("[data-form-preview-area]")
    preview.locator(".fjs-form-field").first.wait_for()
    assert preview.locator("select, .fjs-form-field-select").count(), "the triage form's selects are previewed"
    shot(page, "form_editor")
    forms.get_by_role("button", name="Apply to the task", exact=True).click()
    forms.locator("[data-form-status]").filter(has_text="Form of Triage the ticket (triage) updated").wait_for()
    forms.get_by_role("button", name="Close", exact=True).click()

    page.get_by_role("button", name="Validate").click()
    status.filter(has_text="Valid").wait_for()
    page.get_by_role("button", name="Deploy new version").click()
    status.filter(has_text=f"Deployed as version {old_version + 1}").wait_for()

    new_ticket = api_ticket(page.request, base, "customer", title="Started after the change")
    assert ops.instance(running)["version"] == old_version, "a running instance stays on its version"
    assert ops.instance(new_ticket)["version"] == old_version + 1, "new tickets start on the newest version"
    deployed = owner.bpmn(PROCESS, old_version + 1)
    assert 'name="Send a friendly reminder"' in deployed
    assert re.search(r'<bpmn:timeDuration[^>]*>"P10D"</bpmn:timeDuration>', deployed)

    page.goto(f"{base}/processes/{PROCESS}/diff?from={old_version}&to={old_version + 1}")
    changed = page.locator('[data-diff="changed"]')
    assert "Send a friendly reminder" in changed.locator('tr[data-element="notify_info_reminder"]').inner_text()
    assert "P10D" in changed.locator('tr[data-element="provide_information_reminder"]').inner_text()
    page.locator("[data-diagram][data-ready=true]").wait_for()
    assert page.locator('g.djs-element.sf-changed[data-element-id="notify_info_reminder"]').count() == 1


def test_an_invalid_diagram_is_refused_with_its_elements_marked(live_server, page, shipped):
    base, (version, _) = live_server, shipped
    owner = Api(page.request, base, "process")
    sign_in(page, base, "process")
    status = open_editor(page, base, version)

    lane = page.locator('g.djs-element[data-element-id="lane_support_master"]').first
    lane.click(position={"x": 12, "y": 120})  # the lane's header band, away from the tasks it holds
    role = entry(page, "sf-role")
    assert role.input_value() == "support_master"
    role.select_option("")
    select_by_id(page, "flow_outcome_answer")
    condition = entry(page, "sf-condition")
    assert "answer" in condition.input_value()
    condition.fill("outcome ==")
    condition.press("Tab")

    page.get_by_role("button", name="Validate").click()
    status.filter(has_text="must be fixed").wait_for()
    for element in ("lane_support_master", "flow_outcome_answer"):
        page.locator(f'.sf-problem-badge[data-problem-for="{element}"]').wait_for()
        assert page.locator(f'g.djs-element.sf-invalid[data-element-id="{element}"]').count() == 1
    problems = page.locator("[data-problems]").inner_text()
    assert "is not a role" in problems and "does not compile" in problems
    # Each problem names its element as people read it: "Name (id)", or the id alone when it has no name.
    named = {item.get_attribute("data-element"): item.locator("strong").inner_text()
             for item in page.locator("[data-problems] li[data-element]").all()}
    assert named["flow_outcome_answer"] == "Answer (flow_outcome_answer)"
    assert named["lane_support_master"] == "lane_support_master", "the lane lost its name with its role"
    assert page.get_by_role("button", name="Deploy new version").is_disabled()
    assert owner.newest(PROCESS) == version, "nothing was deployed"

    # bpmnlint runs in the browser too: a task connected to nothing is an error that blocks deploying.
    loose = page.evaluate("""() => {
        const modeler = window.supportflowEditor.modeler;
        const shape = modeler.get('elementFactory').createShape({ type: 'bpmn:Task' });
        modeler.get('modeling').createShape(shape, { x: 900, y: 120 }, modeler.get('canvas').getRootElement());
        return shape.id;
    }""")
    page.locator(f'[data-problems] li.problem-bpmnlint[data-element="{loose}"]').filter(
        has_text="not connected").wait_for()
    assert page.get_by_role("button", name="Deploy new version").is_disabled()

    # Leaving with changes that were not deployed: the browser asks first.
    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.accept()


def test_a_condition_reading_an_unknown_name_is_a_warning_that_does_not_block_deploying(live_server, page, shipped):
    base, (version, _) = live_server, shipped
    sign_in(page, base, "process")
    status = open_editor(page, base, version)
    select_by_id(page, "flow_outcome_answer")
    condition = entry(page, "sf-condition")
    condition.fill('outcome == "answer" and escalation_level > 1')
    condition.press("Tab")
    page.get_by_role("button", name="Validate").click()
    status.filter(has_text="warning").wait_for()
    warning = page.locator('[data-problems] li.problem-warning[data-element="flow_outcome_answer"]')
    assert "The condition reads 'escalation_level'" in warning.inner_text()
    assert page.get_by_role("button", name="Deploy new version").is_enabled()


def test_migration_page_moves_a_waiting_instance_and_refuses_one_whose_task_is_gone(live_server, page, shipped):
    base, (old_version, xml) = live_server, shipped
    owner, support = Api(page.request, base, "process"), Api(page.request, base, "support")
    ops = Api(page.request, base, "ops")
    waiting = api_ticket(page.request, base, "customer", title="Waits for triage")
    answered = api_ticket(page.request, base, "customer", title="Waits for the customer's confirmation")
    support.complete(answered, "triage", **TRIAGE_ANSWER)
    # The next version renames the task `answered` waits on: that instance cannot move.
    new_version = owner.deploy(xml.replace("confirm_answer", "confirm_the_answer"))

    sign_in(page, base, "process")
    page.goto(f"{base}/processes/{PROCESS}/migrate?from={old_version}&to={new_version}")
    waiting_id, answered_id = (ops.instance(key)["id"] for key in (waiting, answered))
    row = page.locator(f'tr[data-instance="{waiting_id}"]')
    refused = page.locator(f'tr[data-instance="{answered_id}"]')
    assert row.get_attribute("data-outcome") == "can_move"
    assert refused.get_attribute("data-outcome") == "refused"
    assert "confirm_answer" in refused.inner_text(), "the refusal names the task that is gone"
    assert refused.locator("input[type=checkbox]").count() == 0
    for other in page.locator('tr[data-outcome="can_move"] input[type=checkbox]').all():
        if other.get_attribute("value") != str(waiting_id):
            other.uncheck()  # other tests' instances stay where they are

    page.get_by_role("button", name=re.compile("Move the 1 chosen instance")).click()
    assert page.locator(f'tr[data-instance="{waiting_id}"]').get_attribute("data-outcome") == "moved"
    assert "Moved 1 instance" in page.locator(".flash").first.inner_text()
    assert ops.instance(waiting)["version"] == new_version
    assert ops.instance(answered)["version"] == old_version, "the refused instance stays as it was"
    # The moved instance goes on under its new version.
    ticket = support.complete(waiting, "triage", **TRIAGE_ANSWER)
    assert [task["task"] for task in ticket["open_tasks"]] == ["confirm_the_answer"]
