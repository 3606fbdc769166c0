"""The process owner's pages through the Flask test client: the list of versions, the editor page, the
download, the diff and the migration with its dry run; and the JSON API called by a page with its session
cookie and CSRF token (what the editor's script does)."""

import re

from tests.helpers import SHIPPED, instance_of
from tests.pages.helpers import RENAMED, csrf_of, signed_in, text_of


def test_the_list_shows_every_process_with_its_versions(app, desk):
    desk.submit()
    client = signed_in(app, "process")
    page = client.get("/processes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for process_id in ("support_ticket", "bug_fix", "feature_request", "acceptance_dqp"):
        assert f'data-process="{process_id}"' in html
    row = re.search(r'data-process="support_ticket".*?<tr data-version="1">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="running">1</td>' in row, "one ticket runs on version 1"
    assert "/processes/support_ticket/versions/1/edit" in row
    assert "/ops/processes/support_ticket/versions/1/heatmap" in row


def test_the_editor_page_carries_what_the_script_needs(app):
    client = signed_in(app, "process")
    page = client.get("/processes/support_ticket/versions/1/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-process-id="support_ticket"' in html and 'data-version="1"' in html
    assert "dist/editor.js" in html and "dist/editor.css" in html and 'name="csrf-token"' in html
    deployed = re.search(r'data-processes="([^"]+)"', html).group(1).replace("&#34;", '"')
    assert deployed == '["acceptance_dqp", "bug_fix", "feature_request", "support_ticket"]'
    assert client.get("/processes/support_ticket/versions/9/edit").status_code == 404


def test_only_process_owners_edit_and_only_staff_who_may_see_them_list(app):
    assert signed_in(app, "ops").get("/processes").status_code == 200
    assert signed_in(app, "ops").get("/processes/support_ticket/versions/1/edit").status_code == 403
    assert signed_in(app, "customer").get("/processes").status_code == 403
    assert signed_in(app, "support").get("/processes/support_ticket/versions/1/download").status_code == 403


def test_a_version_downloads_as_bpmn(app):
    response = signed_in(app, "process").get("/processes/bug_fix/versions/1/download")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="bug_fix-v1.bpmn"'
    assert response.get_data(as_text=True) == (SHIPPED / "bug_fix.bpmn").read_text()


def test_a_page_calls_the_api_with_its_session_and_csrf_token(app):
    client = signed_in(app, "process")
    token = csrf_of(client, "/processes")
    xml = (SHIPPED / "support_ticket.bpmn").read_bytes()
    headers = {"Content-Type": "application/xml"}
    answer = client.post("/api/v1/processes/validate", data=xml, headers={**headers, "X-CSRF-Token": token})
    assert answer.status_code == 200 and answer.get_json() == {
        "valid": True, "process_id": "support_ticket", "problems": [], "warnings": []}
    for forged in ({}, {"X-CSRF-Token": "forged"}):  # another site can neither read nor write with the cookie
        refused = client.post("/api/v1/processes/validate", data=xml, headers={**headers, **forged})
        assert refused.status_code == 401
        assert client.get("/api/v1/processes", headers=forged).status_code == 401


def test_validate_names_each_problem_and_deploys_nothing(app, desk):
    broken = RENAMED.replace('name="Support Master"', 'name="Helpdesk"').replace(
        '>outcome == "answer"<', '>outcome ==<')
    owner = desk.as_("process")
    answer = owner.post("/processes/validate", data=broken, content_type="application/xml")
    assert answer["valid"] is False
    problems = {problem["element"]: problem["message"] for problem in answer["problems"]}
    assert "is not a role" in problems["lane_support_master"]
    assert "does not compile" in problems["flow_outcome_answer"]
    assert [row["version"] for row in owner.get("/processes") if row["process_id"] == "support_ticket"] == [1]
    desk.as_("support").post("/processes/validate", data=broken, content_type="application/xml", expect=403)


def test_the_diff_page_lists_what_changed(app, desk):
    desk.as_("process").post("/processes", data=RENAMED, content_type="application/xml", expect=201)
    page = signed_in(app, "process").get("/processes/support_ticket/diff?from=1&to=2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<tr data-element="triage">' in html
    assert "Triage the ticket" in text_of(page) and "Triage v2" in text_of(page)
    assert '"changed": ["triage"]' in html, "the diagram marks the changed element"
    assert signed_in(app, "process").get("/processes/support_ticket/diff?from=1&to=7").status_code == 404
    assert signed_in(app, "process").get("/processes/support_ticket/diff?from=x&to=2").status_code == 422


def test_the_migration_page_dry_runs_then_moves_the_chosen_instances(app, desk):
    moving, staying = desk.submit()["key"], desk.submit()["key"]
    desk.as_("process").post("/processes", data=RENAMED, content_type="application/xml", expect=201)
    moving_id, staying_id = instance_of(desk, moving)["id"], instance_of(desk, staying)["id"]
    client = signed_in(app, "process")
    dry = client.get("/processes/support_ticket/migrate?from=1&to=2").get_data(as_text=True)
    for instance_id in (moving_id, staying_id):
        assert f'<tr data-instance="{instance_id}" data-outcome="can_move">' in dry
    assert instance_of(desk, moving)["version"] == 1, "a dry run moves nothing"
    token = csrf_of(client, "/processes/support_ticket/migrate?from=1&to=2")
    done = client.post("/processes/support_ticket/migrate",
                       data={"csrf_token": token, "from": "1", "to": "2", "instance": [str(moving_id)]})
    assert done.status_code == 200
    assert f'<tr data-instance="{moving_id}" data-outcome="moved">' in done.get_data(as_text=True)
    assert "Moved 1 instance(s) from version 1 to 2." in text_of(done)
    assert (instance_of(desk, moving)["version"], instance_of(desk, staying)["version"]) == (2, 1)
    nothing = client.post("/processes/support_ticket/migrate", data={"csrf_token": token, "from": "1", "to": "2"})
    assert nothing.status_code == 302
    assert signed_in(app, "customer").post(
        "/processes/support_ticket/migrate", data={"csrf_token": token, "from": "1", "to": "2"}).status_code in (
        400, 403)


def test_numbers_past_their_column_are_no_such_page(app):
    client = signed_in(app, "ops")
    for path in ("/ops/instances/99999999999999999999999", "/processes/support_ticket/versions/99999999999/diff",
                 "/ops/processes/support_ticket/versions/99999999999/heatmap"):
        assert client.get(path).status_code == 404, path
