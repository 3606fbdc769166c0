"""Who may see and do what, and bad input: clear errors, nothing changed."""

from tests.desk import Caller


def test_requests_without_a_valid_token_are_401(desk):
    assert desk.client.get("/api/v1/tickets").status_code == 401
    response = desk.client.get("/api/v1/tickets", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and "sign in" in response.get_json()["error"]
    response = desk.client.post("/api/v1/auth/token", json={"username": "customer", "password": "wrong"})
    assert response.status_code == 401
    response = desk.client.post("/api/v1/auth/token", json={"username": 5})
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"username", "password"}


def test_customer2_cannot_see_or_complete_acmes_ticket(desk):
    key = desk.submit(category="question")["key"]
    desk.complete(key, "triage", "support", category="question", priority="normal", outcome="answer",
                  answer="Restart it.")
    task = desk.task(key, "confirm_answer", "customer")
    globex = desk.as_("customer2")
    assert globex.get(f"/tickets/{key}", expect=404)["error"] == f"There is no ticket {key}."
    assert key not in [t["key"] for t in globex.get("/tickets")["items"]]
    assert task["id"] not in [t["id"] for t in globex.get("/tasks")]
    globex.post(f"/tasks/{task['id']}/complete", {"data": {"solved": True}}, expect=404)
    globex.post(f"/tasks/{task['id']}/claim", expect=404)
    assert desk.status(key) == ("waiting_for_customer", None)


def test_roles_that_do_not_fit_the_lane_get_403(desk):
    key = desk.submit()["key"]
    triage = desk.task(key, "triage", "support")
    desk.as_("developer").post(f"/tasks/{triage['id']}/complete", {"data": {}}, expect=403)
    desk.as_("customer").post(f"/tasks/{triage['id']}/complete", {"data": {}}, expect=403)
    assert triage["id"] not in [t["id"] for t in desk.as_("customer").get("/tasks")]


def test_customer_sees_no_internal_detail(desk):
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    desk.complete(key, "analyze_bug", "developer", is_bug=True, analysis="INTERNAL: the export is a mess")
    ticket = desk.ticket(key, as_="customer")
    assert "INTERNAL" not in str(ticket)
    assert ticket["open_tasks"] == []  # fix_bug is the developer's
    assert "INTERNAL" in str(desk.ticket(key, as_="support"))


def test_invalid_form_data_is_422_and_changes_nothing(desk):
    key = desk.submit()["key"]
    before = desk.ticket(key)
    task = desk.task(key, "triage", "support")
    errors = desk.as_("support").post(f"/tasks/{task['id']}/complete", {"data": {
        "category": "teapot", "outcome": "answer", "answer": "", "extra": 1}}, expect=422)["errors"]
    assert set(errors) == {"category", "priority", "answer", "extra"}
    assert desk.as_("support").post(f"/tasks/{task['id']}/complete", {"data": "x"}, expect=422)["errors"]
    assert desk.as_("support").post(f"/tasks/{task['id']}/complete", expect=422)["errors"]
    assert desk.ticket(key) == before


def test_completing_a_completed_task_is_409(desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    data = {"category": "bug", "priority": "normal", "outcome": "need_info", "question": "Which steps?"}
    desk.as_("support").post(f"/tasks/{task['id']}/complete", {"data": data})
    answer = desk.as_("support").post(f"/tasks/{task['id']}/complete", {"data": data}, expect=409)
    assert "already completed" in answer["error"]


def test_ticket_input_is_validated(desk):
    errors = desk.submit(expect=422, title="", category="sofa", priority=3)["errors"]
    assert set(errors) == {"title", "category", "priority"}
    assert desk.submit(expect=422, organisation="Acme", title="x" * 201)["errors"]["title"]


def test_support_master_captures_a_phone_request_for_a_customer(desk):
    ticket = desk.submit(as_="support", organisation="Globex", title="Phone: cannot print")
    assert ticket["organisation"] == "Globex"
    assert desk.as_("customer2").get(f"/tickets/{ticket['key']}")["title"] == "Phone: cannot print"
    desk.as_("customer").get(f"/tickets/{ticket['key']}", expect=404)
    assert "organisation" in desk.submit(as_="support", expect=422)["errors"]
    desk.submit(as_="developer", organisation="Acme", expect=403)


def test_ticket_list_filters(desk):
    desk.submit(category="question", title="How to export")
    desk.submit(category="bug", title="Crash on save")
    support = desk.as_("support")
    assert [t["title"] for t in support.get("/tickets?category=bug")["items"]] == ["Crash on save"]
    assert [t["title"] for t in support.get("/tickets?q=EXPORT")["items"]] == ["How to export"]
    assert support.get("/tickets?status=flying", expect=422)["errors"]["status"]


def test_claim_and_unclaim(desk):
    key = desk.submit()["key"]
    task = desk.task(key, "triage", "support")
    assert desk.as_("support").post(f"/tasks/{task['id']}/claim")["assignee"] == "support"
    assert desk.as_("support").post(f"/tasks/{task['id']}/unclaim")["assignee"] is None


def test_openapi_document_lists_the_api(desk):
    document = desk.client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/auth/token", "/tickets", "/tickets/{key}", "/tasks", "/tasks/{task_id}/complete",
                 "/instances", "/instances/{instance_id}", "/processes",
                 "/processes/{process_id}/versions/{number}/bpmn"):
        assert path in document["paths"], path
    assert "NewTicket" in document["components"]["schemas"]


def test_a_new_user_signs_in(desk):
    from engine.services import accounts

    accounts.create_user(desk.sf, "zoe", "s3cret-pass", ["developer"])
    assert Caller(desk.client, "zoe", "s3cret-pass").get("/tasks") == []


def test_sign_in_is_throttled_after_repeated_failures(desk):
    for _ in range(5):
        response = desk.client.post("/api/v1/auth/token", json={"username": "developer", "password": "nope"})
        assert response.status_code == 401
    response = desk.client.post("/api/v1/auth/token", json={"username": "developer", "password": "demo"})
    assert response.status_code == 429 and "try again in 15 minutes" in response.get_json()["error"]
    assert desk.client.post("/api/v1/auth/token", json={"username": "owner", "password": "demo"}).status_code == 200
    desk.clock.advance(minutes=16)
    assert desk.client.post("/api/v1/auth/token", json={"username": "developer", "password": "demo"}).status_code == 200
