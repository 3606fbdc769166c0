"""Input that used to crash the server (a 500): non-ASCII CSRF tokens, JSON nested 200,000 deep, text no database
can store (a lone surrogate, a NUL). Each is now a clear 4xx with a sentence, and nothing changes."""

import json

import pytest

from engine.domain import ROLES
from engine.errors import InvalidInput, Unauthorized
from engine.services import accounts, tasks
from tests.desk import Caller
from tests.pages.helpers import csrf, signed_in

DEEP = "[" * 200_000 + "]" * 200_000
UNSTORABLE = "cannot be stored"
TRIAGE_ANSWER = {"category": "question", "priority": "normal", "outcome": "answer"}


def raw_post(caller: Caller, path: str, text: str, expect: int):
    """POST a JSON body exactly as written, escapes such as \\ud800 included (what a client may send)."""
    return caller.call("POST", path, expect, data=text, content_type="application/json")


def every_role(desk) -> Caller:
    """A caller holding every role (the user outlives a test on PostgreSQL: users are not truncated)."""
    if not accounts.user_exists(desk.sf, "all"):
        accounts.create_user(desk.sf, "all", "all-the-roles", list(ROLES), organisation="Acme")
    return Caller(desk.client, "all", "all-the-roles")


def ticket_count(desk) -> int:
    return len(desk.as_("support").get("/tickets?limit=500")["items"])


# --- CSRF tokens outside ASCII ------------------------------------------------------------------------------


def test_a_non_ascii_csrf_token_is_a_refused_form_not_a_crash(app):
    client = app.test_client()
    client.get("/sign-in")  # the session now holds a CSRF token to compare with
    response = client.post("/sign-in", data={"username": "support", "password": "demo", "csrf_token": "é" * 43})
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)
    response = client.post("/sign-in", data={"username": "support", "password": "demo"},
                           headers={"X-CSRF-Token": "ü" * 43})
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)


def test_a_non_ascii_csrf_header_on_a_page_call_to_the_api_is_401(app):
    client = signed_in(app, "support")
    token = csrf(client)  # the session holds its CSRF token once a page showed it
    response = client.get("/api/v1/tasks", headers={"X-CSRF-Token": "ü" * len(token)})
    assert response.status_code == 401 and "Bearer" in response.get_json()["error"]
    assert client.get("/api/v1/tasks", headers={"X-CSRF-Token": token}).status_code == 200


# --- JSON nested too deeply -----------------------------------------------------------------------------------


def _writing_api_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every API route that takes a body, with its path parameters filled in."""
    values = {"key": "SUP-99", "task_id": "0" * 36, "instance_id": 99, "process_id": "support_ticket",
              "number": 1, "attachment_id": 99, "organisation_id": 99, "username": "nobody-of-that-name",
              "token": "no-such-link", "reply_id": 99,
              "view_id": 99, "name": "no_such_template", "language": "xx"}  # nothing that exists: an action
    # ignoring the body does nothing
    urls = app.url_map.bind("localhost")
    return [(method, urls.build(rule.endpoint, {name: values[name] for name in rule.arguments}, method=method))
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
            for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"})]


def test_json_nested_200000_deep_is_refused_on_every_endpoint_that_takes_a_body(app, desk):
    caller = every_role(desk)
    key = desk.submit()["key"]
    before = desk.ticket(key)
    routes = _writing_api_routes(app)
    assert ("POST", "/api/v1/tickets") in routes and ("POST", "/api/v1/instances/99/data") in routes
    for method, path in routes:
        response = desk.client.open(path, method=method, data=DEEP, content_type="application/json",
                                    headers=caller.headers)
        assert response.status_code < 500, (method, path, response.get_data(as_text=True)[:300])
    caller = every_role(desk)  # a new token: DELETE /auth/token revoked the first one
    for path in ("/api/v1/tickets", "/api/v1/auth/token", f"/api/v1/tickets/{key}/comments",
                 "/api/v1/instances/bulk", "/api/v1/processes/support_ticket/migrate"):
        response = desk.client.post(path, data=DEEP, content_type="application/json", headers=caller.headers)
        assert response.status_code == 422, path
        assert "nested too deeply" in response.get_json()["errors"]["_schema"][0]
    assert desk.ticket(key) == before and ticket_count(desk) == 1


def test_moderately_deep_json_is_refused_before_it_reaches_the_workflow(desk):
    key = desk.submit()["key"]
    nested = {"note": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}  # 36 levels
    [instance] = desk.as_("ops").get(f"/instances?ticket={key}")
    errors = desk.as_("ops").post(f"/instances/{instance['id']}/data", {"changes": nested, "reason": "test"},
                                  expect=422)["errors"]
    assert "nested too deeply" in errors["_schema"][0]
    assert "note" not in desk.as_("ops").get(f"/instances/{instance['id']}")["data"]


def test_nan_or_infinity_in_a_data_edit_or_an_answer_is_refused_and_changes_nothing(desk):
    key = desk.submit()["key"]
    [instance] = desk.as_("ops").get(f"/instances?ticket={key}")
    for number in ("NaN", "Infinity", "-Infinity"):  # what Python's and Flask's JSON readers accept
        body = '{"changes": {"score": ' + number + '}, "reason": "test"}'
        answer = desk.as_("ops").call("POST", f"/instances/{instance['id']}/data", 422, data=body,
                                      content_type="application/json")
        assert answer["errors"] == {"changes": {"score": ["Numbers must be finite: NaN and Infinity cannot be "
                                                          "stored."]}}
    assert "score" not in desk.as_("ops").get(f"/instances/{instance['id']}")["data"]
    task = desk.task(key, "triage", "support")
    desk.as_("support").call("POST", f"/tasks/{task['id']}/complete", 422, content_type="application/json",
                             data='{"data": {"category": "bug", "priority": "high", "outcome": "forward", "x": NaN}}')
    assert desk.open_tasks(key) == ["triage"]


# --- text no database can store: a lone surrogate, a NUL --------------------------------------------------------


def test_a_lone_surrogate_or_nul_in_a_ticket_is_refused_through_the_api(desk):
    customer = desk.as_("customer")
    for bad in ("\\ud800", "\\udfff", "\\u0000"):
        body = ('{"title": "Printer on fire ' + bad + '", "description": "It burns.", "category": "bug", '
                '"priority": "low"}')
        errors = raw_post(customer, "/tickets", body, 422)["errors"]
        assert list(errors) == ["title"] and UNSTORABLE in errors["title"][0]
        body = '{"title": "Printer on fire", "description": "x' + bad + '", "category": "bug", "priority": "low"}'
        assert UNSTORABLE in raw_post(customer, "/tickets", body, 422)["errors"]["description"][0]
    assert ticket_count(desk) == 0


def test_a_lone_surrogate_in_a_comment_an_answer_or_a_query_is_refused(desk):
    key = desk.submit()["key"]
    before = desk.ticket(key)
    errors = raw_post(desk.as_("customer"), f"/tickets/{key}/comments", '{"body": "Hello \\ud83d"}', 422)["errors"]
    assert UNSTORABLE in errors["body"][0]
    task = desk.task(key, "triage", "support")
    answer = json.dumps({"data": {**TRIAGE_ANSWER, "answer": "@@"}}).replace("@@", "Restart it \\udc00")
    errors = raw_post(desk.as_("support"), f"/tasks/{task['id']}/complete", answer, 422)["errors"]
    assert UNSTORABLE in errors["data"]["answer"][0]
    key_inside = json.dumps({"data": {**TRIAGE_ANSWER, "answer": "ok"}}).replace('"answer"', '"\\ud800"')
    assert raw_post(desk.as_("support"), f"/tasks/{task['id']}/complete", key_inside, 422)["errors"]
    assert desk.ticket(key) == before
    assert desk.as_("support").get("/tickets?q=%00", expect=422)["errors"]["q"]
    [instance] = desk.as_("ops").get(f"/instances?ticket={key}")
    body = '{"reason": "because \\ud800"}'
    assert UNSTORABLE in raw_post(desk.as_("ops"), f"/instances/{instance['id']}/terminate", body, 422)[
        "errors"]["reason"][0]
    assert desk.as_("ops").get(f"/instances/{instance['id']}")["status"] == "waiting"


def test_sign_in_with_text_no_user_name_can_hold_is_just_a_wrong_sign_in(desk):
    response = desk.client.post("/api/v1/auth/token", data='{"username": "support\\ud800", "password": "demo"}',
                                content_type="application/json")
    assert response.status_code == 422 and UNSTORABLE in response.get_json()["errors"]["username"][0]
    response = desk.client.post("/api/v1/auth/token", json={"username": "support\x00", "password": "demo"})
    assert response.status_code == 422
    for username, password in (("support\x00", "demo"), ("support\ud800", "demo"), ("support", "demo\ud800")):
        with pytest.raises(Unauthorized, match="user name or password is wrong"):
            accounts.sign_in(desk.sf, username, password)


def test_pages_refuse_a_nul_and_never_crash_on_bytes_that_are_not_utf_8(app, desk):
    client = signed_in(app, "customer")
    token = csrf(client)
    form = {"title": "Printer on fire\x00", "description": "It burns.", "category": "bug", "priority": "low",
            "csrf_token": token}
    response = client.post("/portal/new", data=form)
    assert response.status_code == 422 and UNSTORABLE in response.get_data(as_text=True)
    # A browser cannot send a lone surrogate: its "UTF-8" bytes (ED A0 80) are not UTF-8, and arrive as the
    # percent escapes they were sent as.
    body = f"title=Printer+on+fire+%ED%A0%80&description=It+burns.&category=bug&priority=low&csrf_token={token}"
    response = client.post("/portal/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    assert desk.ticket("SUP-1")["title"] == "Printer on fire %ED%A0%80"
    response = client.post("/tickets/SUP-1/comments", data={"body": "Hello\x00", "csrf_token": token},
                           follow_redirects=True)
    assert "The comment was not added" in response.get_data(as_text=True)
    assert UNSTORABLE in response.get_data(as_text=True)
    assert desk.ticket("SUP-1")["comments"] == []
    sign_in = app.test_client()
    sign_in.get("/sign-in")
    with sign_in.session_transaction() as session:
        page_token = session["csrf_token"]
    response = sign_in.post("/sign-in", data={"username": "support\x00", "password": "demo", "csrf_token": page_token})
    assert response.status_code == 401 and "user name or password is wrong" in response.get_data(as_text=True)


def test_a_task_answer_with_a_nul_is_refused_on_the_task_page(app, desk):
    key = desk.submit(category="question")["key"]
    task = desk.task(key, "triage", "support")
    client = signed_in(app, "support")
    response = client.post(f"/tasks/{task['id']}", data={**TRIAGE_ANSWER, "answer": "Restart\x00 it",
                                                         "csrf_token": csrf(client)})
    assert response.status_code == 422 and UNSTORABLE in response.get_data(as_text=True)
    assert desk.open_tasks(key) == ["triage"]
    with pytest.raises(InvalidInput) as refused:
        tasks.complete(desk.sf, accounts.actor_by_username(desk.sf, "support"), task["id"],
                       {**TRIAGE_ANSWER, "answer": "Restart \ud800 it"})
    assert UNSTORABLE in refused.value.errors["answer"][0]
    assert desk.open_tasks(key) == ["triage"]


def test_an_address_with_a_nul_names_nothing_and_a_query_with_one_is_refused(app, desk):
    caller = every_role(desk)
    for method, path in (("POST", "/tasks/%00/claim"), ("GET", "/processes/%00/versions/1/bpmn"),
                         ("GET", "/processes/a%00b/versions/1/heatmap"), ("GET", "/processes/a%00/diff?from=1&to=1"),
                         ("POST", "/instances/1/timers/%00/fire")):
        assert caller.call(method, path, 404)["error"] == "There is nothing at this address."
    for path in ("/instances/counts?process=%00", "/tickets?q=a%00", "/instances?ticket=%00"):
        errors = caller.get(path, expect=422)["errors"]
        assert UNSTORABLE in next(iter(errors.values()))[0], path
    client = signed_in(app, "ops")
    for path in ("/tasks/%00", "/ops/processes/%00/versions/1/heatmap", "/processes/%00/diff"):
        response = client.get(path)
        assert response.status_code == 404 and "nothing at this address" in response.get_data(as_text=True)
    response = client.get("/ops/instances?process=%00")
    assert response.status_code == 422 and "address holds a character" in response.get_data(as_text=True)


def test_an_attachment_name_with_a_nul_is_cleaned_and_one_that_is_not_utf_8_refused(desk):
    key = desk.submit()["key"]
    customer = desk.as_("customer")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    def upload(raw_name: bytes, expect: int):
        body = (b'--sf\r\nContent-Disposition: form-data; name="file"; filename="' + raw_name
                + b'"\r\nContent-Type: image/png\r\n\r\n' + png + b"\r\n--sf--\r\n")
        return customer.post(f"/tickets/{key}/attachments", data=body, expect=expect,
                             content_type="multipart/form-data; boundary=sf")

    assert upload(b"shot\x00.png", 201)["filename"] == "shot.png"
    # werkzeug drops a part whose header is not UTF-8 (a surrogate's bytes): the file is missing, said plainly
    assert "multipart/form-data" in upload(b"shot\xed\xa0\x80.png", 422)["errors"]["file"][0]
    assert [a["filename"] for a in desk.ticket(key)["attachments"]] == ["shot.png"]
