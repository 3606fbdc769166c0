"""Administration in the browser: the admin creates an organisation with its domain and contact person,
invites a customer of it, and finds both listed; the run takes the README's screenshots of the admin pages."""

import uuid

import pytest

from tests.browser.conftest import shot, sign_in, submit

pytestmark = pytest.mark.browser


def test_an_admin_creates_an_organisation_and_invites_a_customer(live_server, page):
    base = live_server
    suffix = uuid.uuid4().hex[:6]
    name, domain = f"Initech {suffix}", f"initech-{suffix}.example"
    sign_in(page, base, "admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="New organisation").click()
    page.fill("#name", name)
    page.fill("#domains", domain)
    page.select_option("#contact", "support")
    page.fill("#notes", "Project lead on our side: Sam. Invoices to accounting@" + domain)
    submit(page, "Create the organisation")
    assert f"The organisation {name} is created." in page.locator(".flash-success").inner_text()
    row = page.locator(f'tr[data-organisation="{name}"]')
    assert domain in row.inner_text() and "Sam Support" in row.inner_text()

    row.get_by_role("link", name=name).click()
    page.get_by_role("link", name="Invite someone of this organisation").click()
    page.fill("#username", f"ines{suffix}")
    page.fill("#name", "Ines Initech")
    page.fill("#email", f"ines@{domain}")
    page.check('input[name="roles"][value="customer"]')
    page.select_option("#language", "de")
    shot(page, "admin_invite")
    submit(page, "Send the invitation")
    assert "Ines Initech is invited" in page.locator(".flash-success").inner_text()

    page.goto(f"{base}/admin/users?role=customer")
    assert f"ines{suffix}" in page.locator("table.list").inner_text()
    shot(page, "admin_users")
    page.goto(f"{base}/admin/events")
    assert "Person invited" in page.locator("table.list").inner_text()
