"""The ops console pages through the Flask test client: the instances list (filters, counts, paging, bulk
actions), one instance (diagram marks, history, data edit, timers, suspend/resume/retry/terminate), the error
inbox and a version's heatmap. Tickets are moved along through the JSON API by the desk."""

import html
import json
import re

import pytest

from tests.helpers import SHIPPED, broken_support_ticket, instance_of
from tests.pages.helpers import csrf_of, flashes, post, signed_in
from webapp.pages import ops

FORWARD_BUG = {"category": "bug", "priority": "high", "outcome": "forward"}
SOMEDAY = {"category": "bug", "priority": "low", "outcome": "someday"}
NEED_INFO = {"category": "bug", "priority": "high", "outcome": "need_info", "question": "Which steps?"}






def text_of(response) -> str:
    page = re.sub(r"<script.*?</script>", " ", response.get_data(as_text=True), flags=re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def listed(response) -> list[tuple[int, str]]:
    """(instance id, status) of each row of the instances table, top to bottom."""
    rows = re.findall(r'<tr data-instance="(\d+)" data-status="(\w+)"', response.get_data(as_text=True))
    return [(int(instance_id), status) for instance_id, status in rows]


def count_chip(response, status: str) -> int:
    page = response.get_data(as_text=True)
    found = re.search(rf'data-status-count="{status}"[^>]*>[^<]*<strong>(\d+)</strong>', page)
    return int(found.group(1))


def diagrams(response) -> dict[str, dict]:
    """{process id: marks} of each diagram on the page."""
    page = response.get_data(as_text=True)
    found = re.findall(r'data-process="([^"]+)".*?<script type="application/json" data-marks>(.*?)</script>', page,
                       re.S)
    return {process: json.loads(html.unescape(marks)) for process, marks in found}


def bug_under_review(desk) -> str:
    """A bug forwarded, analysed and fixed: it waits in acceptance_dqp (called by bug_fix) for review on D."""
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="The font is not embedded.")
    desk.complete(key, "fix_bug", "developer", fix_summary="Embed the font.")
    return key


# --- the list ----------------------------------------------------------------------------------------------


def test_the_list_counts_per_status_and_filters(app, desk):
    keys = [desk.submit(title=f"Ticket {n}")["key"] for n in range(3)]
    desk.complete(keys[0], "triage", "support", **SOMEDAY)
    desk.later(days=15)  # the window to reopen the closed ticket passes: its instance completes
    ids = [instance_of(desk, key)["id"] for key in keys]
    ops_user = signed_in(app, "ops")
    page = ops_user.get("/ops/instances")
    assert page.status_code == 200
    assert (count_chip(page, "all"), count_chip(page, "waiting"), count_chip(page, "completed")) == (3, 2, 1)
    assert listed(page) == [(ids[2], "waiting"), (ids[1], "waiting"), (ids[0], "completed")]
    assert f'href="/tickets/{keys[1]}">{keys[1]}</a>' in page.get_data(as_text=True)
    assert "Triage the ticket" in text_of(page) and "support_ticket v1" in text_of(page)
    assert listed(ops_user.get("/ops/instances?status=completed")) == [(ids[0], "completed")]
    assert listed(ops_user.get(f"/ops/instances?ticket={keys[1]}")) == [(ids[1], "waiting")]
    assert len(listed(ops_user.get("/ops/instances?process=support_ticket&version=1"))) == 3
    assert listed(ops_user.get("/ops/instances?process=support_ticket&version=4")) == []
    assert len(listed(ops_user.get("/ops/instances?created_from=2026-03-02&created_to=2026-03-02"))) == 3
    assert listed(ops_user.get("/ops/instances?created_from=2026-03-03")) == []
    refused = ops_user.get("/ops/instances?version=1")
    assert "Name the process whose version you mean." in text_of(refused) and listed(refused) == []
    assert "is not a date" in text_of(ops_user.get("/ops/instances?updated_from=yesterday"))
    # a status chip keeps the other filters
    chips = ops_user.get("/ops/instances?process=support_ticket").get_data(as_text=True)
    assert 'href="/ops/instances?status=error&amp;process=support_ticket"' in chips


def test_the_list_pages_on_with_older(app, desk, monkeypatch):
    monkeypatch.setattr(ops, "PAGE_SIZE", 2)
    keys = [desk.submit()["key"] for _ in range(5)]
    ids = [instance_of(desk, key)["id"] for key in keys]
    client = signed_in(app, "ops")
    seen, path = [], "/ops/instances?status=waiting"
    while path:
        page = client.get(path)
        seen.append([instance_id for instance_id, _ in listed(page)])
        older = re.search(r'href="([^"]+)" rel="next"', page.get_data(as_text=True))
        path = html.unescape(older.group(1)) if older else None
        assert path is None or "status=waiting" in path
    assert seen == [ids[4:2:-1], ids[2:0:-1], ids[:1]]


def test_bulk_actions_say_what_happened_to_each_instance(app, desk):
    keys = [desk.submit()["key"] for _ in range(3)]
    desk.complete(keys[2], "triage", "support", **SOMEDAY)
    desk.later(days=15)  # the window to reopen the closed ticket passes: its instance completes
    ids = [instance_of(desk, key)["id"] for key in keys]
    client = signed_in(app, "ops")
    answer = post(client, "/ops/instances/bulk", action="suspend", ids=[str(i) for i in ids],
                  back="/ops/instances?status=waiting")
    assert answer.request.path == "/ops/instances" and answer.request.args["status"] == "waiting"
    assert flashes(answer) == [
        ("success", f"Suspended 2 of 3 instances: {ids[0]}, {ids[1]}."),
        ("error", f"Instance {ids[2]} was not suspended: The instance is completed; it cannot be suspended now.")]
    refused = post(client, "/ops/instances/bulk", action="terminate", ids=[str(ids[0])], reason=" ")
    assert flashes(refused) == [("error", "Nothing was done: Say why the instances are terminated.")]
    assert instance_of(desk, keys[0])["status"] == "suspended"
    done = post(client, "/ops/instances/bulk", action="terminate", ids=[str(ids[0]), str(ids[1])],
                reason="Duplicates of SUP-9")
    assert flashes(done) == [("success", f"Terminated 2 of 2 instances: {ids[0]}, {ids[1]}.")]
    assert desk.open_tasks(keys[0]) == []
    assert flashes(post(client, "/ops/instances/bulk", action="resume")) == [
        ("error", "Tick at least one instance first.")]
    outside = post(client, "/ops/instances/bulk", action="resume", ids=[str(ids[0])], back="https://evil.example/")
    assert outside.request.path == "/ops/instances"


# --- one instance ------------------------------------------------------------------------------------------


def test_the_instance_page_draws_the_path_and_where_it_waits(app, desk):
    key = bug_under_review(desk)
    instance_id = instance_of(desk, key)["id"]
    page = signed_in(app, "ops").get(f"/ops/instances/{instance_id}")
    assert page.status_code == 200
    marks = diagrams(page)
    assert list(marks) == ["support_ticket", "bug_fix", "acceptance_dqp"]  # main first, then as they were called
    assert marks["support_ticket"]["runs"]["triage"] == 1 and marks["support_ticket"]["active"] == ["call_bug_fix"]
    assert marks["bug_fix"]["active"] == ["call_acceptance"] and marks["bug_fix"]["runs"]["fix_bug"] == 1
    assert marks["acceptance_dqp"]["active"] == ["review_on_d"] and marks["acceptance_dqp"]["errored"] == []
    source = page.get_data(as_text=True)
    assert 'data-bpmn-url="/api/v1/processes/acceptance_dqp/versions/1/bpmn"' in source
    assert 'href="/ops/processes/support_ticket/versions/1/heatmap"' in source
    assert f'href="/tickets/{key}"' in source and 'href="/ops/instances"' in source
    text = text_of(page)
    assert "Review on D" in text and "waiting" in text
    history = re.findall(r'<tr data-history="([^"]+)">(.*?)</tr>', source, re.S)
    assert [element for element, _ in history] == ["triage", "analyze_bug", "fix_bug"]
    analysis = " ".join(re.sub(r"<[^>]+>", " ", history[1][1]).split())
    assert "Dana Developer" in analysis or "developer" in analysis
    assert "The font is not embedded." in analysis
    # the bundle's assets are on the page, and the viewer fetches the BPMN with the page's session
    assert "dist/diagram.js" in source and "dist/diagram.css" in source


def test_ops_edits_the_data_with_a_reason_and_it_is_audited(app, desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    client = signed_in(app, "ops")
    path, page = f"/ops/instances/{instance_id}/data", f"/ops/instances/{instance_id}"
    answer = post(client, path, page, key="system", value='"ERP-2"', reason="Customer named it by phone")
    assert flashes(answer) == [("success", "Changed “system”; the edit and its reason are in the audit trail.")]
    assert '<tr data-key="system"><th scope="row">system</th><td><code class="json">&#34;ERP-2&#34;</code>' in \
        answer.get_data(as_text=True)
    [edit] = [e for e in desk.ticket(key)["events"] if e["kind"] == "data_edited"]
    assert edit["actor"] == "ops" and edit["detail"]["reason"] == "Customer named it by phone"
    assert edit["detail"]["changes"] == {"system": "ERP-2"} and edit["detail"]["before"] == {"system": None}
    no_reason = post(client, path, page, key="system", value='"ERP-3"', reason="")
    assert flashes(no_reason) == [
        ("error", "The data was not changed: Say why the data is changed, in up to 2000 characters.")]
    not_json = post(client, path, page, key="system", value="ERP-3", reason="typo")
    assert flashes(not_json)[0][0] == "error" and "not JSON" in flashes(not_json)[0][1]
    bad_key = post(client, path, page, key="__class__", value="1", reason="probing")
    assert flashes(bad_key) == [("error", "The data was not changed: Not a variable name: __class__.")]
    assert desk.as_("ops").get(f"/instances/{instance_id}")["data"]["system"] == "ERP-2"


def test_ops_fires_a_pending_timer_from_the_instance_page(app, desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **NEED_INFO)
    instance_id = instance_of(desk, key)["id"]
    client = signed_in(app, "ops")
    page = client.get(f"/ops/instances/{instance_id}")
    timers = dict(re.findall(r'<li data-timer="([^"]+)">.*?action="([^"]+/fire)"', page.get_data(as_text=True), re.S))
    assert set(timers) == {"provide_information_reminder", "provide_information_timeout"}
    assert "No answer in 30 days due 1 Apr 2026, 11:00"  # 09:00 UTC, read in Berlin in text_of(page)
    reminder = post(client, timers["provide_information_reminder"], f"/ops/instances/{instance_id}",
                    name="No answer in 14 days")
    assert flashes(reminder) == [("success", "Fired “No answer in 14 days” now; the instance is waiting.")]
    assert desk.outbox(key)[-1] == "reminder" and 'data-timer="provide_information_reminder"' not in \
        reminder.get_data(as_text=True)
    again = post(client, timers["provide_information_reminder"], f"/ops/instances/{instance_id}",
                 name="No answer in 14 days")
    assert flashes(again) == [("error", "“No answer in 14 days” was not fired: That timer is no longer pending.")]
    answer = post(client, timers["provide_information_timeout"], f"/ops/instances/{instance_id}",
                  name="No answer in 30 days")
    # closed as abandoned, the ticket can still be reopened for a while: the instance waits
    assert flashes(answer) == [("success", "Fired “No answer in 30 days” now; the instance is waiting.")]
    assert desk.status(key) == ("closed", "abandoned")
    again = post(client, timers["provide_information_timeout"], f"/ops/instances/{instance_id}",
                 name="No answer in 30 days")
    assert flashes(again) == [("error", "“No answer in 30 days” was not fired: That timer is no longer pending.")]


def test_suspend_blocks_task_completion_with_a_clear_message_until_resume(app, desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    task = desk.task(key, "triage", "support")
    client, support = signed_in(app, "ops"), signed_in(app, "support")
    page = f"/ops/instances/{instance_id}"
    suspended = post(client, f"{page}/suspend", page, back=page)
    assert flashes(suspended) == [("success", f"Suspended instance {instance_id}; it is now suspended.")]
    assert "nobody can complete this instance's tasks" in text_of(suspended)
    form = {"csrf_token": csrf_of(support, f"/tasks/{task['id']}"), **SOMEDAY}
    refused = support.post(f"/tasks/{task['id']}", data=form)
    assert refused.status_code == 409
    assert "suspended by operations; nothing was saved" in text_of(refused)
    assert flashes(post(client, f"{page}/suspend", page)) == [
        ("error", f"Instance {instance_id} was not suspended: The instance is suspended; it cannot be suspended now.")]
    assert flashes(post(client, f"{page}/resume", page))[0] == (
        "success", f"Resumed instance {instance_id}; it is now waiting.")
    form = {"csrf_token": csrf_of(support, f"/tasks/{task['id']}"), **SOMEDAY}
    assert support.post(f"/tasks/{task['id']}", data=form).status_code == 302
    assert desk.status(key) == ("closed", "wont_fix")


def test_terminate_needs_a_reason(app, desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    client, page = signed_in(app, "ops"), f"/ops/instances/{instance_id}"
    refused = post(client, f"{page}/terminate", page, reason="  ")
    assert flashes(refused) == [("error", f"Instance {instance_id} was not terminated: "
                                          "Say why the instance is terminated.")]
    assert instance_of(desk, key)["status"] == "waiting"
    done = post(client, f"{page}/terminate", page, reason="Customer withdrew by phone")
    assert flashes(done) == [("success", f"Terminated instance {instance_id}; it is now terminated.")]
    assert desk.open_tasks(key) == [] and "Customer withdrew by phone" in text_of(done)  # the audit trail
    assert 'disabled' in re.search(r'action="[^"]+/terminate".*?</form>', done.get_data(as_text=True), re.S).group(0)


def test_only_ops_see_the_console_and_process_owners_the_heatmap(app, desk):
    key = desk.submit()["key"]
    instance_id = instance_of(desk, key)["id"]
    support = signed_in(app, "support")
    for path in ("/ops/instances", f"/ops/instances/{instance_id}", "/ops/errors",
                 "/ops/processes/support_ticket/versions/1/heatmap"):
        answer = support.get(path)
        assert answer.status_code == 403 and "Not allowed" in text_of(answer), path
    refused = support.post(f"/ops/instances/{instance_id}/suspend",
                           data={"csrf_token": csrf_of(support, "/inbox")})
    assert refused.status_code == 403 and instance_of(desk, key)["status"] == "waiting"
    assert signed_in(app, "customer").get("/ops/instances").status_code == 403
    assert signed_in(app, "process").get("/ops/processes/support_ticket/versions/1/heatmap").status_code == 200
    assert app.test_client().get("/ops/instances").headers["Location"].startswith("/sign-in")
    assert signed_in(app, "ops").get("/ops/instances/999").status_code == 404
    nav = signed_in(app, "ops").get("/inbox").get_data(as_text=True)
    assert 'href="/ops/instances"' in nav and 'href="/ops/errors"' in nav
    assert 'href="/ops/instances"' not in support.get("/inbox").get_data(as_text=True)


# --- errors and the heatmap --------------------------------------------------------------------------------


def test_the_error_inbox_groups_failures_and_retry_recovers_after_the_fix(app, desk):
    owner = desk.as_("process")
    owner.post("/processes", data=broken_support_ticket(), content_type="application/xml", expect=201)
    keys = [desk.submit()["key"] for _ in range(2)]
    for key in keys:
        desk.complete(key, "triage", "support", expect=503, **NEED_INFO)
    ids = sorted(instance_of(desk, key)["id"] for key in keys)
    client = signed_in(app, "ops")
    inbox = client.get("/ops/errors")
    source = inbox.get_data(as_text=True)
    [(group, count)] = re.findall(r'data-group="([^"]+)">.*?<span class="badge error" data-count>(\d+)</span>',
                                  source, re.S)
    assert group.startswith("support_ticket:") and count == "2"
    assert sorted(int(i) for i in re.findall(r'<tr data-instance="(\d+)"', source)) == ids
    assert text_of(inbox).lower().count("division by zero") == 2
    # the instance page says what failed and what retry does, and marks the failed element
    page = client.get(f"/ops/instances/{ids[0]}")
    element = group.split(":", 1)[1]
    assert diagrams(page)["support_ticket"]["errored"] == [element]
    assert "Retry completes “Triage the ticket” again with the data that was submitted then" in text_of(page)
    # retried before the fix: it fails again, clearly, and stays in the inbox
    again = post(client, f"/ops/instances/{ids[0]}/retry", "/ops/errors", back="/ops/errors")
    assert again.request.path == "/ops/errors"
    [(kind, message)] = flashes(again)
    assert kind == "error" and "The step failed again" in message and "division by zero" in message.lower()
    # the process owner deploys the fix and moves the instances to it; ops retries the whole group
    fixed = owner.post("/processes", data=(SHIPPED / "support_ticket.bpmn").read_text(),
                       content_type="application/xml", expect=201)
    moved = owner.post("/processes/support_ticket/migrate", {"from": 2, "to": fixed["version"], "dry_run": False})
    assert all(result["moved"] for result in moved["instances"])
    done = post(client, "/ops/instances/bulk", "/ops/errors", action="retry", ids=[str(i) for i in ids],
                back="/ops/errors")
    assert flashes(done) == [("success", f"Retried 2 of 2 instances: {ids[0]}, {ids[1]}.")]
    assert "No instance is in error." in text_of(done)
    assert [desk.status(key)[0] for key in keys] == ["waiting_for_customer"] * 2


def test_the_heatmap_page_shows_instances_runs_and_time_in_tasks(app, desk, clock):
    key = desk.submit(category="question")["key"]
    answer = {"category": "question", "priority": "normal", "outcome": "answer", "answer": "Restart it."}
    desk.complete(key, "triage", "support", **answer)
    clock.advance(hours=3)
    desk.complete(key, "confirm_answer", "customer", solved=False)
    desk.complete(key, "triage", "support", **answer)
    desk.complete(key, "confirm_answer", "customer", solved=True)
    desk.submit(category="question")
    page = signed_in(app, "process").get("/ops/processes/support_ticket/versions/1/heatmap")
    assert page.status_code == 200
    marks = diagrams(page)["support_ticket"]
    assert marks["heat"]["ticket_submitted"] == 2 and marks["heat"]["triage"] == 1
    rows = {element: (instances, runs) for element, instances, runs in re.findall(
        r'<tr data-element="([^"]+)" data-instances="(\d+)" data-runs="(\d+)"', page.get_data(as_text=True))}
    assert rows["triage"] == ("1", "2") and rows["call_bug_fix"] == ("0", "0")
    confirm = re.search(r'<tr data-element="confirm_answer".*?</tr>', page.get_data(as_text=True), re.S).group(0)
    assert "1 h 30 min" in confirm and "user task" in confirm
    passed = [int(instances) for instances, _ in rows.values()]
    assert passed == sorted(passed, reverse=True) and passed[0] == 2  # the busiest first
    assert signed_in(app, "process").get("/ops/processes/support_ticket/versions/9/heatmap").status_code == 404


def test_a_called_process_shows_its_running_instances_and_the_heatmap_leads_to_them(app, desk):
    key = bug_under_review(desk)
    instance_id = instance_of(desk, key)["id"]
    ops_client = signed_in(app, "ops")
    page = ops_client.get("/processes").get_data(as_text=True)
    row = re.search(r'data-process="bug_fix".*?<tr data-version="1">(.*?)</tr>', page, re.S).group(1)
    assert '<a href="/ops/instances?process=bug_fix&amp;version=1">1</a>' in row
    heatmap = ops_client.get("/ops/processes/bug_fix/versions/1/heatmap").get_data(as_text=True)
    link = html.unescape(re.search(r'<a href="([^"]+)">Instances in this version</a>', heatmap).group(1))
    assert link == "/ops/instances?process=bug_fix&version=1"
    assert listed(ops_client.get(link)) == [(instance_id, "waiting")]
    assert listed(ops_client.get("/ops/instances?process=feature_request")) == []


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "—"), (42, "42 s"), (600, "10 min"), (3 * 3600, "3 h"), (5400, "1 h 30 min"), (50 * 3600, "2 d 2 h"),
    (3 * 86400, "3 d")])
def test_durations_read_as_people_say_them(seconds, text):
    assert ops.duration_text(seconds) == text


def test_a_long_history_shows_its_latest_part_and_all_on_request(app, desk, monkeypatch):
    from webapp.pages import tickets as ticket_pages

    monkeypatch.setattr(ops, "HISTORY_SHOWN", 1)
    monkeypatch.setattr(ops, "EVENTS_SHOWN", 2)
    monkeypatch.setattr(ticket_pages, "TIMELINE_SHOWN", 2)
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", **NEED_INFO)
    desk.complete(key, "provide_information", "customer", information="The PDF printer is selected.")
    instance_id = instance_of(desk, key)["id"]
    client = signed_in(app, "ops")
    page = client.get(f"/ops/instances/{instance_id}").get_data(as_text=True)
    assert page.count("<tr data-history=") == 1 and "The latest 1 of 2 completed tasks." in page
    assert len(re.findall(r"<li data-kind=", page)) == 2
    whole = client.get(f"/ops/instances/{instance_id}?all=1").get_data(as_text=True)
    assert whole.count("<tr data-history=") == 2 and "data-history-shown" not in whole
    ticket = client.get(f"/tickets/{key}").get_data(as_text=True)
    total = len(desk.ticket(key)["events"])
    assert len(re.findall(r"<li data-kind=", ticket)) == 2 and f"The latest 2 of {total} entries." in ticket
    assert len(re.findall(r"<li data-kind=", client.get(f"/tickets/{key}?all=1").get_data(as_text=True))) == total
