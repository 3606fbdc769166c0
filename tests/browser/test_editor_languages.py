"""The editor in German: bpmn-js and its properties panel speak German (bpmn-js-i18n and supportflow's own
table), form-js's editor too (its German given by supportflow), and a process owner edits an element's German
name and the German texts of a form, which land in the diagram as the conventions say."""

import re

import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.xml import parse_bpmn
from tests.browser.conftest import shot, sign_in

pytestmark = pytest.mark.browser

PROCESS = "support_ticket"


def german_editor(page, base: str, number: int):
    sign_in(page, base, "process")
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    page.goto(f"{base}/processes/{PROCESS}/versions/{number}/edit")
    page.locator("[data-status]").filter(has_text="Geöffnet").wait_for()
    assert page.locator("html").get_attribute("lang") == "de"


def select(page, element_id: str):
    page.locator(f'g.djs-element[data-element-id="{element_id}"]').first.click()
    page.locator(".bio-properties-panel-header-label", has_text=re.compile(".")).first.wait_for()


def form_of(xml: str, task: str) -> dict:
    return read_document(parse_bpmn(xml)).elements[task].form.as_json()


def test_the_editor_speaks_german_and_edits_the_german_names_and_texts(live_server, page, shipped):
    base, (version, _) = live_server, shipped
    german_editor(page, base, version)
    assert page.locator('.djs-palette [data-action="hand-tool"]').get_attribute("aria-label") == "Hand-Tool aktivieren"

    select(page, "triage")
    panel = page.locator("[data-properties]")
    panel.locator(".bio-properties-panel-group-header-title", has_text="Allgemein").first.wait_for()
    name = panel.locator('[data-entry-id="sf-name-de"]')
    assert "Name auf Deutsch" in name.inner_text()
    field = name.locator("input")
    assert field.input_value() == "Ticket sichten"
    field.fill("Ticket prüfen")
    field.press("Tab")
    page.wait_for_function("async () => (await window.supportflowEditor.xml()).includes('Ticket prüfen')")
    assert panel.locator('[data-entry-id="sf-status"]').inner_text().startswith("Ticketstatus beim Eintritt")

    panel.get_by_role("button", name="Formular bearbeiten").click()
    forms = page.locator("[data-form-panel]")
    forms.locator(".fjs-editor-container").wait_for()
    forms.locator(".fjs-palette-field-text", has_text="Textfeld").first.wait_for()
    assert forms.locator(".fjs-palette-container").get_by_placeholder("Komponenten suchen").count() == 1
    texts = forms.locator("[data-form-texts]")
    category = texts.locator('tr[data-text="Category"]')
    assert category.locator("input").input_value() == "Kategorie"
    assert texts.locator('tr[data-text="Critical"] input').input_value() == "Kritisch"
    forms.locator('.fjs-element[data-id="triage_category"]').click()  # its properties in German too
    properties = forms.locator(".fjs-properties-container")
    properties.locator(".bio-properties-panel-group-header-title:visible", has_text="Allgemein").first.click()
    properties.locator("label:visible", has_text="Beschriftung des Feldes").first.wait_for()
    shot(page, "form_editor_de")
    category.locator("input").fill("Art des Tickets")
    texts.locator('tr[data-text="Low"] input').fill("")  # shown as written, in English, from now on
    forms.locator('[data-action="form-apply"]').click()
    forms.locator("[data-form-status]").filter(has_text="aktualisiert").wait_for()

    form = form_of(page.evaluate("() => window.supportflowEditor.xml()"), "triage")
    german = form["translations"]["de"]
    assert german["Category"] == "Art des Tickets" and german["Priority"] == "Priorität" and "Low" not in german
    assert [c.get("key") for c in form["components"]][:3] == [None, "category", "priority"]


def test_the_editor_speaks_english_to_english_readers(live_server, page, shipped):
    base, (version, _) = live_server, shipped
    sign_in(page, base, "process")
    page.goto(f"{base}/processes/{PROCESS}/versions/{version}/edit")
    page.locator("[data-status]").filter(has_text="Opened").wait_for()
    assert page.locator('.djs-palette [data-action="hand-tool"]').get_attribute("aria-label") == "Activate hand tool"
    select(page, "triage")
    assert "Name in German" in page.locator('[data-entry-id="sf-name-de"]').inner_text()
