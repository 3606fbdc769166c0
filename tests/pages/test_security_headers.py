"""Security headers on every answer, from one place: pages get a Content-Security-Policy without inline script
and may not be framed; the JSON API and attachments keep stricter policies of their own."""

import re
from io import BytesIO
from pathlib import Path

from tests.pages.helpers import signed_in

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def assert_common_headers(response) -> None:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_forbid_inline_script_framing_and_foreign_forms(app):
    client = signed_in(app, "ops")
    for path in ("/sign-in", "/inbox", "/ops/instances", "/no-such-page"):
        response = client.get(path)
        assert_common_headers(response)
        policy = directives(response)
        assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'", path
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
        assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
        assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]


def test_the_api_and_attachments_keep_their_stricter_policies(app, desk):
    key = desk.submit()["key"]
    customer = desk.as_("customer")
    api = desk.client.get(f"/api/v1/tickets/{key}", headers=customer.headers)
    assert_common_headers(api)
    assert directives(api)["default-src"] == "'none'" and directives(api)["frame-ancestors"] == "'none'"
    customer.post(f"/tickets/{key}/attachments", data={"file": (BytesIO(PNG), "shot.png")},
                  content_type="multipart/form-data", expect=201)
    download = desk.client.get(f"/api/v1/tickets/{key}/attachments/1?inline=1", headers=customer.headers)
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert_common_headers(download)
    page = signed_in(app, "customer").get(f"/tickets/{key}/attachments/1")
    assert page.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_no_template_carries_inline_script_or_event_handlers():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"{template.name}: inline {tag}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"{template.name} has an inline event handler"
        assert "javascript:" not in text, template.name


def test_the_select_all_box_of_the_instances_page_comes_from_a_static_script(app, desk):
    desk.submit()
    client = signed_in(app, "ops")
    html = client.get("/ops/instances").get_data(as_text=True)
    [source] = re.findall(r'<script src="([^"]+ops_instances\.js)"', html)
    script = client.get(source)
    assert script.status_code == 200 and "data-select-all" in script.get_data(as_text=True)
