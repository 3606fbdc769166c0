"""The pages of incoming mail: ops read every mail with its outcome and reason (in German too), admins say per
organisation what mail from an unknown address of its domains does, and see an address whose mail came back."""

from engine.services.mail_intake import ingest
from engine.store import accounts as account_store
from tests.helpers import unique
from tests.pages.helpers import csrf_of, signed_in, text_of

MAIL = (b"From: Clara Customer <customer@acme.example>\r\nTo: support@localhost\r\nSubject: Drucker\r\n"
        b"Message-ID: <page-1@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nEr druckt nicht.\r\n")


def test_ops_read_incoming_mail_by_outcome(app, sf):
    ingest(sf, MAIL)
    ingest(sf, MAIL.replace(b"page-1@", b"page-2@").replace(b"Subject:", b"X-Autoreply: yes\r\nSubject:"))
    ingest(sf, b"garbage")
    ops = signed_in(app, "ops")
    page = ops.get("/ops/mail")
    words = text_of(page)
    assert page.status_code == 200 and "Incoming mail" in words
    assert "Incoming mail" in text_of(ops.get("/ops/instances"))  # the navigation's entry
    assert "All 3" in words and "Accepted 1" in words and "Ignored 1" in words and "Refused 1" in words
    assert "Opened SUP-1 from customer@acme.example." in words and "X-Autoreply" in words
    assert 'href="/tickets/SUP-1"' in page.get_data(as_text=True)
    refused = text_of(ops.get("/ops/mail?outcome=refused"))
    assert "no sender" in refused and "Opened SUP-1" not in refused
    bad = ops.get("/ops/mail?before=x")
    assert bad.status_code == 200 and 'role="alert"' in bad.get_data(as_text=True), text_of(bad)
    german = text_of(ops.get("/ops/mail", headers={"Accept-Language": "de"}))
    assert "Eingehende E-Mails" in german and "Angenommen 1" in german and "Abgelehnt 1" in german
    # The reasons, written down in English when the mail came, are said again in the reader's language.
    assert "SUP-1 von customer@acme.example eröffnet." in german and "Sie nennt keinen Absender" in german
    assert "Opened SUP-1" not in german
    assert signed_in(app, "support").get("/ops/mail").status_code == 403


def test_an_admin_chooses_what_mail_from_unknown_addresses_of_an_organisation_does(app, sf):
    admin = signed_in(app, "admin")
    name, domain = unique("Umbrella "), f"{unique('umbrella')}.example"
    form = {"name": name, "domains": domain, "mail_new_contacts": "refuse"}
    created = admin.post("/admin/organisations/new",
                         data={"csrf_token": csrf_of(admin, "/admin/organisations/new"), **form})
    assert created.status_code == 302
    intake = ingest(sf, MAIL.replace(b"customer@acme.example", f"someone@{domain}".encode()))
    assert intake.outcome == "refused" and name in intake.reason
    with sf.db.read() as conn:
        organisation_id = account_store.organisation_id(conn, name)
    page = admin.get(f"/admin/organisations/{organisation_id}").get_data(as_text=True)
    assert '<option value="refuse" selected>' in page
    saved = admin.post(f"/admin/organisations/{organisation_id}", data={
        "csrf_token": csrf_of(admin, f"/admin/organisations/{organisation_id}"), "name": name, "domains": domain,
        "mail_new_contacts": "create", "has_active": "1", "active": "1"})
    assert saved.status_code == 302
    assert ingest(sf, MAIL.replace(b"page-1@", b"page-3@").replace(
        b"customer@acme.example", f"someone@{domain}".encode())).outcome == "accepted"
