"""Signing in and out through the pages: session cookie flags, CSRF on every form, throttling."""

import re


def csrf_of(client, path="/sign-in") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username="support", password="demo", **extra):
    return client.post("/sign-in", data={"username": username, "password": password,
                                         "csrf_token": csrf_of(client), **extra})


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
