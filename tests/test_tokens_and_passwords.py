"""Revoking a token, changing one's password (API and page): the policy for new passwords, a wrong current password
said plainly and throttled, every other token and session of the user signed out, the caller's own kept."""

import re
import secrets

from engine.services import accounts, password_policy
from tests.desk import Caller

FIRST, NEW = "first-password-1", "correct horse battery"


def new_user(desk, password: str = FIRST) -> str:
    """A user of its own per test (users outlive a test on PostgreSQL)."""
    username = f"pat{secrets.token_hex(4)}"
    accounts.create_user(desk.sf, username, password, ["developer"], display_name="Pat Developer")
    return username


def signed_in_page(app, username: str, password: str):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def page_csrf(client, path: str = "/account/password") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_a_revoked_token_stops_working_at_once(desk):
    username = new_user(desk)
    first, second = Caller(desk.client, username, FIRST), Caller(desk.client, username, FIRST)
    assert first.call("DELETE", "/auth/token", 204) == ""
    assert "sign in again" in first.get("/tasks", expect=401)["error"]
    first.call("DELETE", "/auth/token", 401)
    assert second.get("/tasks") == []
    assert desk.client.delete("/api/v1/auth/token").status_code == 401


def test_changing_the_password_signs_out_everything_else_and_keeps_this_token(app, desk):
    username = new_user(desk)
    mine, elsewhere = Caller(desk.client, username, FIRST), Caller(desk.client, username, FIRST)
    browser = signed_in_page(app, username, FIRST)
    assert mine.post("/auth/password", {"current": FIRST, "new": NEW}, expect=204) == ""
    assert mine.get("/tasks") == []
    elsewhere.get("/tasks", expect=401)
    assert browser.get("/inbox").headers["Location"].startswith("/sign-in")
    old = desk.client.post("/api/v1/auth/token", json={"username": username, "password": FIRST})
    assert old.status_code == 401
    assert Caller(desk.client, username, NEW).get("/tasks") == []
    with desk.sf.db.read() as conn:
        stored = accounts.account_store.user_by_username(conn, username)["password_hash"]
    assert stored.startswith("$argon2") and NEW not in stored


def test_a_wrong_current_password_is_said_plainly_and_throttled(desk):
    username = new_user(desk)
    caller = Caller(desk.client, username, FIRST)
    for _ in range(accounts.THROTTLE_FAILURES):
        errors = caller.post("/auth/password", {"current": "a-wrong-guess", "new": NEW}, expect=422)["errors"]
        assert errors == {"current": ["The current password is wrong."]}
    answer = caller.post("/auth/password", {"current": FIRST, "new": NEW}, expect=429)
    assert "try again in 15 minutes" in answer["error"]
    assert caller.get("/tasks") == []  # a stolen session cannot guess on for ever, and the user is not signed out
    assert accounts.sign_in(desk.sf, username, FIRST, "198.51.100.20")  # unchanged, and elsewhere not locked


def test_weak_new_passwords_are_refused_with_a_sentence(desk):
    username = new_user(desk)
    caller = Caller(desk.client, username, FIRST)
    short = password_policy.TOO_SHORT.format(min_length=password_policy.MIN_LENGTH)
    weak = {"short1": short, "Password123": password_policy.TOO_COMMON,
            "1212121212121": password_policy.TOO_COMMON, f"my-{username.upper()}-pass": password_policy.HOLDS_USERNAME,
            FIRST: "The new password is the same as the current one.",
            "x" * 1001: password_policy.TOO_LONG.format(max_length=password_policy.MAX_LENGTH)}
    for password, message in weak.items():
        errors = caller.post("/auth/password", {"current": FIRST, "new": password}, expect=422)["errors"]
        assert errors == {"new": [message]}, password
    assert set(caller.post("/auth/password", {"new": 5}, expect=422)["errors"]) == {"current", "new"}
    Caller(desk.client, username, FIRST)  # nothing changed
    assert password_policy.password_problem("topsecret-words", "ops") is None  # a short name inside is fine
    assert all(len(common) >= password_policy.MIN_LENGTH for common in password_policy.COMMON_PASSWORDS)


def test_the_openapi_document_lists_revoking_and_changing(desk):
    paths = desk.client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "204" in paths["/auth/token"]["delete"]["responses"]
    assert {"204", "422", "429"} <= set(paths["/auth/password"]["post"]["responses"])


# --- the page -------------------------------------------------------------------------------------------------


def test_the_password_page_changes_the_password_and_keeps_this_session(app, desk):
    username = new_user(desk)
    client, other = (signed_in_page(app, username, FIRST) for _ in range(2))
    page = client.get("/inbox").get_data(as_text=True)
    assert 'href="/account/password"' in page
    form = client.get("/account/password").get_data(as_text=True)
    assert 'type="password"' in form and "At least 10 characters" in form
    assert client.post("/account/password", data={"current": FIRST, "new": NEW,
                                                  "confirm": NEW}).status_code == 400  # no CSRF token
    token = page_csrf(client)
    response = client.post("/account/password", data={"current": FIRST, "new": NEW, "confirm": NEW,
                                                       "csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200 and "Your password is changed" in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 200
    assert other.get("/inbox").headers["Location"].startswith("/sign-in")
    signed_in_page(app, username, NEW)


def test_the_password_page_says_what_is_wrong_and_never_echoes_a_password(app, desk):
    username = new_user(desk)
    client = signed_in_page(app, username, FIRST)
    token = page_csrf(client)
    cases = [({"current": FIRST, "new": NEW, "confirm": NEW + "!"}, "two new passwords differ"),
             ({"current": "not-my-password", "new": NEW, "confirm": NEW}, "current password is wrong"),
             ({"current": FIRST, "new": "qwertyuiop", "confirm": "qwertyuiop"}, "most common")]
    for data, message in cases:
        response = client.post("/account/password", data={**data, "csrf_token": token})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html, message
        assert not any(f'value="{value}"' in html for value in data.values())
    signed_in_page(app, username, FIRST)  # nothing changed


def test_the_password_page_is_for_signed_in_users(app):
    assert app.test_client().get("/account/password").headers["Location"].startswith("/sign-in")
