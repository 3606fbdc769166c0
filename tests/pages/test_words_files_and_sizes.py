"""Small things people read: one charset on a text download, names outside ASCII in downloads, sizes in MB,
the files message only after files were chosen, one spelling, one way to write hours, a favicon, and the
README's sign-in address."""

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from engine.amounts import hours_text, megabytes
from tests.helpers import SHIPPED
from tests.pages.helpers import PNG, signed_in, submit_form, text_of
from webapp import MAX_REQUEST_BYTES

ROOT = Path(__file__).resolve().parents[2]
FORWARD_FEATURE = {"category": "feature", "priority": "normal", "outcome": "forward"}


def upload(desk, key, name, content, expect=201):
    data = {"file": (io.BytesIO(content), name), "internal": "false"}
    return desk.as_("customer").post(f"/tickets/{key}/attachments", data=data, content_type="multipart/form-data",
                                     expect=expect)


def download(desk, key, attachment_id):
    return desk.client.get(f"/api/v1/tickets/{key}/attachments/{attachment_id}", headers=desk.as_("customer").headers)


# --- downloads ----------------------------------------------------------------------------------------------


def test_a_text_attachment_is_served_with_one_charset(app, desk):
    key = desk.submit()["key"]
    log = upload(desk, key, "error.log", "Fehler: Drucker nicht gefunden, Größe 0\n".encode())
    assert download(desk, key, log["id"]).headers["Content-Type"] == "text/plain; charset=utf-8"
    page = signed_in(app, "customer").get(f"/tickets/{key}/attachments/{log['id']}")
    assert page.headers["Content-Type"] == "text/plain; charset=utf-8"
    image = upload(desk, key, "screen.png", PNG)
    assert download(desk, key, image["id"]).headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(("name", "fallback"), [
    ("Fehlerbericht-ü.log", "Fehlerbericht-u.log"),  # accents lose their marks
    ("日志.txt", "attachment.txt"),  # nothing of the name is ASCII: a plain word instead
    ("Überweisung März.csv", "Uberweisung Marz.csv"),
])
def test_a_file_name_outside_ascii_downloads_with_an_ascii_fallback(desk, name, fallback):
    key = desk.submit()["key"]
    attached = upload(desk, key, name, b"plain text\n")
    header = download(desk, key, attached["id"]).headers["Content-Disposition"]
    assert header == f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(attached['filename'], safe='')}"
    header.encode("latin-1")  # what a server can send at all


def test_a_process_id_outside_latin_1_downloads_as_bpmn(app, desk):
    """Process ids are Python identifiers, so 流程 and prozess_ü are valid; the download names them in
    RFC 6266's filename* and gives older clients an ASCII name."""
    owner = desk.as_("process")
    shipped = (SHIPPED / "acceptance_dqp.bpmn").read_text()
    for process_id, fallback in (("流程", "process-v1.bpmn"), ("prozess_ü", "prozess_u-v1.bpmn")):
        xml = shipped.replace('"acceptance_dqp"', f'"{process_id}"')
        assert owner.post("/processes", data=xml.encode(), content_type="application/xml",
                          expect=201)["process_id"] == process_id
        expected = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(f'{process_id}-v1.bpmn')}"
        api = desk.client.get(f"/api/v1/processes/{quote(process_id)}/versions/1/bpmn", headers=owner.headers)
        page = signed_in(app, "process").get(f"/processes/{quote(process_id)}/versions/1/download")
        for response in (api, page):
            assert response.status_code == 200 and response.get_data(as_text=True) == xml
            assert response.headers["Content-Disposition"] == expected
            response.headers["Content-Disposition"].encode("latin-1")


# --- sizes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "text"), [
    (10 * 1024 * 1024, "10 MB"), (13_002_342, "12.4 MB"), (10 * 1024 * 1024 + 1, "10.1 MB"), (1, "0.1 MB")])
def test_sizes_read_in_megabytes(size, text):
    assert megabytes(size) == text


def test_an_attachment_too_large_says_its_size_and_the_limit_in_mb(app, desk):
    key = desk.submit()["key"]
    refused = upload(desk, key, "big.png", PNG + b"\x00" * (10 * 1024 * 1024), expect=422)
    assert refused["errors"]["file"] == ["The file is 10.1 MB; the limit is 10 MB."]
    client = signed_in(app, "customer")
    page = client.post(f"/tickets/{key}/attachments", content_type="multipart/form-data", data={
        "file": (io.BytesIO(PNG + b"\x00" * (11 * 1024 * 1024)), "big.png"),
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                client.get(f"/tickets/{key}").get_data(as_text=True)).group(1)})
    assert "The file is 11.1 MB; the limit is 10 MB." in text_of(client.get(page.headers["Location"]))
    assert desk.ticket(key)["attachments"] == []


def test_a_request_too_large_says_its_size_and_the_limit_in_mb(app, desk):
    body = b"x" * (MAX_REQUEST_BYTES + 1024 * 1024)
    answer = desk.client.post("/api/v1/processes", data=body, content_type="application/xml",
                              headers=desk.as_("process").headers)
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "The request is 13 MB; the limit is 12 MB."
    page = signed_in(app, "customer").post("/portal/new", data=body,
                                           content_type="application/x-www-form-urlencoded")
    assert page.status_code == 422 and "The request is 13 MB; the limit is 12 MB." in text_of(page)


def test_a_bpmn_file_too_large_says_its_size_and_the_limit_in_mb(desk):
    xml = (SHIPPED / "bug_fix.bpmn").read_text()
    padded = xml.replace("</bpmn:definitions>", "<!--" + "x" * (6 * 1024 * 1024) + "--></bpmn:definitions>")
    answer = desk.as_("process").post("/processes", data=padded.encode(), content_type="application/xml", expect=422)
    assert answer["errors"][0]["message"] == f"The file is {megabytes(len(padded))}; the limit is 5 MB."


# --- the portal's files message ------------------------------------------------------------------------------


def test_choose_your_files_again_is_said_only_when_files_were_chosen(app):
    client = signed_in(app, "customer")
    without_files = submit_form(client, "/portal/new", title="")
    assert without_files.status_code == 422 and "choose your files again" not in text_of(without_files)
    with_a_file = submit_form(client, "/portal/new", files=[("screen.png", PNG)], title="")
    assert with_a_file.status_code == 422
    assert "Please choose your files again: screen.png." in text_of(with_a_file)


# --- one spelling, one way to write hours ------------------------------------------------------------------


def test_names_say_analyse_as_the_rest_of_the_product_does(app, desk):
    """supportflow writes British English (organisation, behaviour): the analysis task and the board agree."""
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        names = re.findall(r'\bname="([^"]*)"', path.read_text())
        assert not [name for name in names if re.search("analyz", name, re.I)], path.name
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    board = text_of(signed_in(app, "developer").get("/board"))
    assert "Analyse the bug" in board and "Analyze" not in board


@pytest.mark.parametrize(("hours", "text"), [(16, "16"), (16.0, "16"), (12.5, "12.5"), (0.25, "0.25"),
                                             (None, "—"), ("many", "many")])
def test_hours_read_as_whole_numbers_without_a_decimal(hours, text):
    assert hours_text(hours) == text


def test_the_offer_the_invoice_and_the_mail_write_hours_alike(app, desk):
    key = desk.submit(category="feature", title="CSV export")["key"]
    desk.complete(key, "triage", "support", **FORWARD_FEATURE)
    desk.complete(key, "estimate_effort", "developer", hours=16, cost=1920, delivery_date="2026-05-01")
    desk.complete(key, "approve_offer", "owner", approved=True, offer_text="We add the CSV export.")
    offer_page = signed_in(app, "customer").get(f"/tasks/{desk.task(key, 'decide_offer', 'customer')['id']}")
    assert '<dd data-field="hours">16 hours</dd>' in offer_page.get_data(as_text=True)
    desk.complete(key, "decide_offer", "customer", accept=True)
    desk.complete(key, "implement", "developer", summary="CSV export in the report menu")
    desk.complete(key, "review_on_d", "owner", ok=True)
    desk.complete(key, "deploy_to_q", "developer", version="1.4.2")
    desk.complete(key, "accept_on_q", "customer", ok=True)
    desk.complete(key, "deploy_to_p", "developer", version="1.4.2")
    assert desk.complete(key, "confirm_on_p", "customer", ok=True)["resolution"] == "delivered"

    ticket_page = text_of(signed_in(app, "support").get(f"/tickets/{key}"))
    assert "Effort 16 hours" in ticket_page and "Invoice created: 16 hours" in ticket_page
    assert "16.0" not in ticket_page
    delivered = [m for m in desk.messages(key) if m["template"] == "delivered"]
    assert "(16 hours," in delivered[0]["body"]


# --- the favicon and the README --------------------------------------------------------------------------


def test_a_favicon_is_linked_and_served(app):
    page = app.test_client().get("/sign-in").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    icon = app.test_client().get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    legacy = app.test_client().get("/favicon.ico")
    assert legacy.status_code in (301, 302, 308) and legacy.headers["Location"].endswith(href)


def test_the_readme_gives_the_sign_in_address_and_how_to_stop(app):
    readme = (ROOT / "README.md").read_text()
    address = re.search(r"http://127\.0\.0\.1:5000(/[\w/-]*)", readme)
    assert address and address.group(1) == "/sign-in"
    assert app.test_client().get(address.group(1)).status_code == 200
    assert re.search(r"Ctrl-C[^.]*stops the server and the worker", readme)
