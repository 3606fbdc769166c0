"""The mail-template pages: /mail-templates lists every template with its languages and state for process owners
and admins (nobody else), one template's page saves (refusing an unknown placeholder with its line), previews a
draft with a ticket named or a sample one, and resets to the shipped text."""

from tests.pages.helpers import GERMAN, csrf_of, flashes, signed_in, text_of


def test_a_process_owner_lists_previews_saves_and_resets(app, desk):
    client = signed_in(app, "process")
    listing = text_of(client.get("/mail-templates"))
    assert "info_requested" in listing and "Triage asks the customer for more information." in listing
    assert "as shipped" in listing
    page = "/mail-templates/answer/en"
    key = desk.submit(title="Scanning fails")["key"]
    preview = client.post(page, data={"csrf_token": csrf_of(client, page), "subject": "On {{ ticket.title }}",
                                      "body": "Dear customer,\n\n{{ support.answer }}", "ticket": key,
                                      "preview": "1"})
    shown = text_of(preview)
    assert preview.status_code == 200 and f"[{key}] On Scanning fails" in shown
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in preview.get_data(as_text=True)  # the HTML part, in a sandbox
    missing = client.post(page, data={"csrf_token": csrf_of(client, page), "subject": "Hi", "body": "Hi",
                                      "ticket": "SUP-999", "preview": "1"})
    assert missing.status_code == 422 and "SUP-999" in text_of(missing)
    refused = client.post(page, data={"csrf_token": csrf_of(client, page), "subject": "Hi",
                                      "body": "Hello\n{{ customer.name }}", "save": "1"})
    assert refused.status_code == 422 and "Line 2: “customer.name” is not a placeholder" in text_of(refused)
    saved = client.post(page, data={"csrf_token": csrf_of(client, page), "subject": "Hi {{ ticket.key }}",
                                    "body": "Hello", "save": "1"}, follow_redirects=True)
    assert ("success", "The template “answer” (English) is saved; the next mail of it says what it says now.") \
        in flashes(saved)
    assert "changed by Petra Process" in text_of(client.get("/mail-templates"))
    reset = client.post(f"{page}/reset", data={"csrf_token": csrf_of(client, page)}, follow_redirects=True)
    assert ("success", "The template “answer” (English) is back to the shipped text.") in flashes(reset)
    assert "changed by" not in text_of(client.get("/mail-templates"))


def test_the_pages_are_for_process_owners_and_admins_only(app):
    assert signed_in(app, "admin").get("/mail-templates/offer/de").status_code == 200
    for username in ("support", "customer", "ops"):
        client = signed_in(app, username)
        assert client.get("/mail-templates").status_code == 403
        assert client.get("/mail-templates/offer/de").status_code == 403
    assert signed_in(app, "process").get("/mail-templates/nothing/en").status_code == 404


def test_the_template_page_in_german(app):
    client = signed_in(app, "process")
    page = client.get("/mail-templates/offer/de", headers=GERMAN)
    text = text_of(page)
    assert "Das genehmigte Angebot für eine Funktion oder Änderung." in text and "Betreff" in text
    assert "die Kosten, wie der Leser Geldbeträge schreibt" in text
