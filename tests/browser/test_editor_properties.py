"""The editor's properties panel offers a user task's board column and offer step, with the values validation
accepts, and writes them as spiffworkflow properties; other elements are not offered them."""

import pytest

from engine.domain import BOARD_COLUMNS, OFFER_STEPS
from tests.browser.conftest import sign_in
from tests.browser.test_process_editor import entry, open_editor, select, select_by_id

pytestmark = pytest.mark.browser


def offered(page, entry_id: str) -> list[str]:
    return [value for value in entry(page, entry_id).locator("option").evaluate_all("os => os.map(o => o.value)")
            if value]


def test_the_panel_offers_board_column_and_offer_on_user_tasks_only(live_server, page, shipped):
    base, (version, _) = live_server, shipped
    sign_in(page, base, "process")
    open_editor(page, base, version)
    select(page, "triage")
    assert offered(page, "sf-board-column") == list(BOARD_COLUMNS)
    assert offered(page, "sf-offer") == list(OFFER_STEPS)
    entry(page, "sf-offer").select_option("decision")
    xml = page.evaluate("() => window.supportflowEditor.xml()")
    assert '<spiffworkflow:property name="offer" value="decision" />' in xml

    select_by_id(page, "triage_outcome")  # a gateway
    page.locator(".bio-properties-panel-header-label", has_text="Outcome?").wait_for()
    page.locator('[data-entry-id="sf-status"]').wait_for()
    assert page.locator('[data-entry-id="sf-offer"], [data-entry-id="sf-board-column"]').count() == 0
