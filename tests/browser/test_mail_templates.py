"""A process owner edits a mail template in the browser: finds it in the list, previews a changed text as the
recipient gets it (subject with the key, text part, HTML part), saves it and resets it to the shipped text — in
English and, with a browser asking for German, in German."""

import pytest

from tests.browser.conftest import shot, sign_in, submit
from tests.pages.helpers import GERMAN, english_left

pytestmark = pytest.mark.browser


def test_a_process_owner_previews_saves_and_resets_a_template(live_server, new_page):
    base = live_server
    owner = sign_in(new_page(), base, "process")
    owner.get_by_role("link", name="Mail templates").click()
    row = owner.locator('tr[data-mail-template="answer"]')
    assert "Triage answers the customer's question." in row.inner_text()
    row.locator('a[data-language="en"]').click()
    assert owner.locator("[data-template-state]").inner_text().startswith("As shipped.")
    assert "{{ support.answer }}" in owner.locator("[data-placeholders]").inner_text()
    owner.fill("#template-subject", "our answer about {{ ticket.title }}")
    owner.fill("#template-body", "Dear customer,\n\n**{{ support.answer }}**\n\n{{ agency.signature }}")
    submit(owner, "Preview")
    preview = owner.locator("[data-preview]")
    subject = preview.locator("[data-preview-subject]").inner_text()
    assert subject == "[SUP-12] our answer about Printing the invoice fails"
    assert preview.locator("[data-preview-text]").inner_text().startswith("Dear customer,\n\n**Please install")
    html = owner.frame_locator("[data-preview-html]")
    assert html.locator("strong").inner_text().startswith("Please install the printer driver again")
    shot(owner, "mail_template_preview")
    owner.fill("#template-body", "Hello {{ customer.name }}")
    submit(owner, "Save")
    assert "“customer.name” is not a placeholder" in owner.locator('[data-error-for="body"]').inner_text()
    owner.fill("#template-body", "Dear customer,\n\n{{ support.answer }}\n\n{{ agency.signature }}")
    submit(owner, "Save")
    assert "is saved" in owner.locator(".flash-success").inner_text()
    assert owner.locator("[data-template-state]").inner_text().startswith("Changed by Petra Process.")
    submit(owner, "Reset to the shipped text")
    assert owner.locator("#template-subject").input_value() == "an answer to your question"
    assert owner.locator("[data-template-state]").inner_text().startswith("As shipped.")


def test_the_template_pages_read_in_german(live_server, browser):
    base = live_server
    context = browser.new_context(extra_http_headers=GERMAN, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{base}/sign-in")
        page.fill('input[name="username"]', "process")
        page.fill('input[name="password"]', "demo")
        with page.expect_navigation():
            page.get_by_role("button", name="Anmelden").click()
        page.get_by_role("link", name="E-Mail-Vorlagen").click()
        assert english_left(page.locator("main").inner_text()) == []
        page.locator('tr[data-mail-template="offer"] a[data-language="de"]').click()
        assert page.locator("#template-subject").input_value() == "unser Angebot"
        with page.expect_navigation():
            page.get_by_role("button", name="Vorschau").click()
        assert page.locator("[data-preview-subject]").inner_text() == "[SUP-12] unser Angebot"
        text = page.locator("[data-preview-text]").inner_text()
        assert "Kosten: 1.920,00\xa0€" in text and "Lieferung: 01.05.2026" in text
        assert "für „Rechnungsdruck schlägt fehl“" in text
        assert english_left(page.locator("main").inner_text()) == []
        shot(page, "mail_template_de")
    finally:
        context.close()
