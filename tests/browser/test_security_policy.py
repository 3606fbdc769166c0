"""The Content-Security-Policy as the browser applies it: a script injected into a page does not run (and the
fixture's listener hears the refusal that every other browser test would fail on); the select-all box of the
ops list works from its static script."""

import pytest

from tests.browser.conftest import api_ticket, sign_in

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_does_not_run(new_page, live_server):
    page = sign_in(new_page(), live_server, "support")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text) as refusal:
        page.evaluate("""() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.append(script);
        }""")
    assert "inline script" in refusal.value.text
    assert page.evaluate("() => window.injected === undefined")
    assert new_page.csp_violations  # the fixture heard it too ...
    new_page.csp_violations.clear()  # ... and this refusal was the point


def test_the_select_all_box_ticks_every_instance(new_page, live_server):
    page = new_page()
    for _ in range(2):
        api_ticket(page.request, live_server, "customer")
    sign_in(page, live_server, "ops")
    page.goto(f"{live_server}/ops/instances")
    page.locator("[data-select-all]").check()
    boxes = page.locator('input[name="ids"]')
    assert boxes.count() >= 2 and all(boxes.nth(n).is_checked() for n in range(boxes.count()))
    page.locator("[data-select-all]").uncheck()
    assert not any(boxes.nth(n).is_checked() for n in range(boxes.count()))
