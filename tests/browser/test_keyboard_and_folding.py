"""The keyboard in the browser (j/k move in the inbox, Enter opens, c claims, ? lists the keys, / focuses the
search or filter, nothing while typing); on the task page a long description that folds, and what was typed into
the task's form kept across a comment posted from there."""

import pytest

from tests.browser.conftest import api_ticket, fill_form, open_task, sign_in, submit

pytestmark = pytest.mark.browser

SELECTED = "tr.selected-row"


def select_row_of(page, key: str) -> None:
    """Press j until the inbox row of `key`'s task is the selected one (the shared server's inbox holds others)."""
    for _ in range(page.locator("tr[data-row]").count()):
        if page.locator(f'tr[data-ticket="{key}"].selected-row').count():
            return
        page.keyboard.press("j")
    assert page.locator(f'tr[data-ticket="{key}"].selected-row').count() == 1, f"j never reached {key}"


def test_j_k_enter_and_c_work_the_inbox(new_page, live_server):
    page = new_page()
    first_key = api_ticket(page.request, live_server, "customer", title="Keyboard one")
    second_key = api_ticket(page.request, live_server, "customer", title="Keyboard two")
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/inbox")
    rows = page.locator("tr[data-row]")
    assert page.locator(SELECTED).count() == 0
    page.keyboard.press("j")
    assert rows.first.get_attribute("class").split().count("selected-row") == 1
    page.keyboard.press("k")  # already the first: stays
    assert page.locator(SELECTED).count() == 1 and "selected-row" in rows.first.get_attribute("class")
    if rows.count() > 1:
        page.keyboard.press("j")
        assert "selected-row" in rows.nth(1).get_attribute("class") and page.locator(SELECTED).count() == 1
        page.keyboard.press("k")
        assert "selected-row" in rows.first.get_attribute("class")

    select_row_of(page, first_key)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/tasks/" in page.url and first_key in page.locator("header.task-head").inner_text()

    page.goto(f"{live_server}/inbox")
    select_row_of(page, second_key)
    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.locator(f'tr[data-ticket="{second_key}"]').get_attribute("data-assignee") == "support"
    assert page.locator(f'tr[data-ticket="{first_key}"]').get_attribute("data-assignee") is None


def test_question_mark_lists_the_keys_and_slash_focuses_the_filter(new_page, live_server):
    page = sign_in(new_page(), live_server, "support")
    page.goto(f"{live_server}/inbox")
    overlay = page.locator("[data-keys-overlay]")
    assert overlay.is_hidden()
    page.keyboard.press("?")
    assert overlay.is_visible() and "Keyboard shortcuts" in overlay.inner_text()
    page.keyboard.press("j")  # the list of keys is open: the page underneath does not move
    assert page.locator(SELECTED).count() == 0
    page.keyboard.press("Escape")
    assert overlay.is_hidden()
    page.keyboard.press("?")
    page.locator("[data-keys-close]").click()
    assert overlay.is_hidden()

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.matches('[data-search], [data-filter]')")


def test_keys_do_nothing_while_typing(new_page, live_server):
    page = new_page()
    key = api_ticket(page.request, live_server, "customer", title="Typing keys")
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/inbox")
    page.locator(f'tr[data-ticket="{key}"] a[data-row-open]').click()
    page.wait_for_url("**/tasks/**")
    box = page.locator("#task-comment-body")
    box.click()
    page.keyboard.type("j k c ? /")
    assert box.input_value() == "j k c ? /"
    assert page.locator("[data-keys-overlay]").is_hidden()


def test_a_long_description_folds_and_unfolds(new_page, live_server):
    page = new_page()
    description = "\n\n".join(f"Step {n}: the printer stops after the page." for n in range(1, 60))
    key = api_ticket(page.request, live_server, "customer", title="Long story", description=description)
    sign_in(page, live_server, "support")
    page.goto(f"{live_server}/inbox")
    page.locator(f'tr[data-ticket="{key}"] a[data-row-open]').click()
    page.wait_for_url("**/tasks/**")
    fold, body = page.locator("[data-fold]"), page.locator("[data-fold] .fold-body")
    toggle = page.locator("[data-fold-toggle]")
    assert "folded" in fold.get_attribute("class") and toggle.is_visible()
    assert toggle.inner_text() == "Show the whole description" and toggle.get_attribute("aria-expanded") == "false"
    assert body.evaluate("b => b.scrollHeight > b.clientHeight + 100")  # most of it hidden
    toggle.click()
    assert "folded" not in fold.get_attribute("class") and toggle.inner_text() == "Show less"
    assert body.evaluate("b => b.scrollHeight <= b.clientHeight + 1")  # all of it shown
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert "folded" in fold.get_attribute("class") and toggle.inner_text() == "Show the whole description"


def test_a_comment_from_the_task_page_keeps_what_was_typed_in_the_task(new_page, live_server):
    page = new_page()
    key = api_ticket(page.request, live_server, "customer", title="Draft kept")
    sign_in(page, live_server, "support")
    open_task(page, live_server, key, "triage")
    task_url = page.url
    fill_form(page, {"outcome": "need_info", "question": "Which printer model?"})
    page.locator("#task-comment-body").fill("Asked the printer team first")
    submit(page, "Add comment")
    assert page.url == task_url and "Comment added." in page.locator(".flash-success").inner_text()
    assert "Asked the printer team first" in page.locator("[data-comment]").last.inner_text()
    assert page.locator('[name="outcome"]:not([type="hidden"])').first.input_value() == "need_info"
    assert page.locator('[name="question"]').input_value() == "Which printer model?"
    page.reload()  # handed back once: nothing is left behind
    assert page.locator('[name="question"]').input_value() == ""
