"""Signing in and out through the pages: session cookie flags, CSRF on every form, throttling."""

from tests.pages.helpers import csrf_of, sign_in


def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(app):
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/").status_code in (200, 302)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Sam Support" in home
    token = csrf_of(client, "/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert "Sign in" in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_a_form_without_csrf_token_is_refused(app):
    client = app.test_client()
    response = client.post("/sign-in", data={"username": "support", "password": "demo"})
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)
    response = client.post("/sign-in", data={"username": "support", "password": "demo", "csrf_token": "forged"})
    assert response.status_code == 400


def test_wrong_password_is_said_plainly_and_throttled(app):
    client = app.test_client()
    for _ in range(5):
        response = sign_in(client, password="wrong")
        assert response.status_code == 401 and "user name or password is wrong" in response.get_data(as_text=True)
    response = sign_in(client)
    assert response.status_code == 429 and "Too many failed sign-ins" in response.get_data(as_text=True)


def test_next_never_leaves_the_site(app):
    client = app.test_client()
    assert sign_in(client, next="https://evil.example/").headers["Location"] != "https://evil.example/"
    client = app.test_client()
    assert not sign_in(client, next="//evil.example/x").headers["Location"].startswith("//")
    client = app.test_client()  # browsers read /\host as //host
    assert "evil" not in sign_in(client, next="/\\evil.example/x").headers["Location"]


def test_pages_show_errors_as_pages_and_the_api_stays_json(app):
    client = app.test_client()
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert client.get("/api/v1/no-such").is_json


def test_head_is_a_get_without_body_and_never_signs_in(app):
    client = app.test_client()
    token = csrf_of(client)
    for data in ({"username": "support", "password": "demo"},
                 {"username": "support", "password": "demo", "csrf_token": token}):
        response = client.head("/sign-in", data=data)
        assert response.status_code == 200 and response.data == b""
        assert client.get("/inbox").headers["Location"].startswith("/sign-in")  # still signed out


def test_head_with_a_form_body_creates_no_ticket(app, desk):
    client = app.test_client()
    assert sign_in(client, "customer").status_code == 302
    token = csrf_of(client, "/portal/new")
    form = {"title": "Made by HEAD", "description": "Should not exist.", "category": "bug", "priority": "low"}
    for data in (form, {**form, "csrf_token": token}):
        response = client.head("/portal/new", data=data)
        assert response.status_code == 200 and response.data == b""
    assert desk.as_("support").get("/tickets")["items"] == []


def test_every_method_but_get_and_options_needs_the_csrf_token(app):
    client = app.test_client()
    assert sign_in(client, "support").status_code == 302
    for method in ("POST", "PUT", "PATCH", "DELETE", "PROPFIND"):
        response = client.open("/sign-out", method=method)
        assert response.status_code == 400, method
    assert client.options("/sign-out").status_code == 200
    assert client.get("/inbox").status_code == 200  # nothing signed the user out
