"""What process owners draw, in two languages: element names translate through `name:<language>` properties
and a form's texts through its own `translations`, read in the reader's language with the diagram's own words
as the fallback; validation refuses a language supportflow does not speak."""

import json
import re

import pytest

from engine.bpmn.documents import read_document
from engine.bpmn.xml import parse_bpmn
from engine.errors import InvalidDefinition
from engine.forms import FormDefinition
from engine.forms.translations import translated_texts
from tests.helpers import SHIPPED
from tests.pages.helpers import signed_in

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
SUPPORT_TICKET = (SHIPPED / "support_ticket.bpmn").read_text(encoding="utf-8")


def api(desk, username: str, path: str, headers: dict, method: str = "GET", expect: int = 200, **kwargs):
    caller = desk.as_(username)
    response = desk.client.open(f"/api/v1{path}", method=method, headers={**caller.headers, **headers}, **kwargs)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response.get_json()


def triage_of(desk, key: str, headers: dict) -> dict:
    [task] = [t for t in api(desk, "support", "/tasks", headers) if t["ticket_key"] == key]
    return task


def test_a_task_s_name_is_in_the_reader_s_language(desk):
    key = desk.submit(title="Export is slow")["key"]
    german, english = triage_of(desk, key, GERMAN), triage_of(desk, key, {"Accept-Language": "en"})
    assert (german["name"], english["name"]) == ("Ticket sichten", "Triage the ticket")
    assert german["names"] == english["names"] == {"en": "Triage the ticket", "de": "Ticket sichten"}
    ticket = api(desk, "support", f"/tickets/{key}", GERMAN)
    assert [t["name"] for t in ticket["open_tasks"]] == ["Ticket sichten"]


def test_a_name_without_its_german_falls_back_to_the_diagram_s_name(desk):
    xml = SUPPORT_TICKET.replace('<spiffworkflow:property name="name:de" value="Ticket sichten" />', "")
    assert xml != SUPPORT_TICKET
    desk.as_("process").post("/processes", data=xml, content_type="application/xml", expect=201)
    key = desk.submit(title="Export is slow")["key"]
    assert triage_of(desk, key, GERMAN)["name"] == "Triage the ticket"
    assert triage_of(desk, key, GERMAN)["names"] == {"en": "Triage the ticket", "de": "Triage the ticket"}


def test_the_task_page_shows_the_name_and_the_form_in_german(app, desk):
    key = desk.submit(title="Export is slow")["key"]
    task_id = desk.task(key, "triage", "support")["id"]
    client = signed_in(app, "support")
    page = client.get(f"/tasks/{task_id}", headers=GERMAN).get_data(as_text=True)
    assert "<h1>Ticket sichten</h1>" in page
    form, text = form_of(page)
    for label in ("Kategorie", "Priorität", "Ergebnis", "Frage an den Kunden", "Antwort an den Kunden",
                  "Duplikat von", "Geben Sie einen Ticketschlüssel wie SUP-12 ein."):
        assert label in text
    assert '<option value="feature">Feature Request</option>' in form and ">Kritisch</option>" in form
    assert "<strong>Erst prüfen, dann entscheiden.</strong>" in form
    assert "Category" not in text and "Enter a ticket key" not in text
    _form, english = form_of(client.get(f"/tasks/{task_id}", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Category" in english and "Kategorie" not in english


def form_of(page: str) -> tuple[str, str]:
    """The task form of a task page: its HTML and its text."""
    form = re.search(r"<form[^>]*data-taskform.*?</form>", page, re.S).group(0)
    return form, " ".join(re.sub(r"<[^>]+>", " ", form).split())


def test_a_submission_is_refused_in_the_reader_s_language(desk):
    key = desk.submit(title="Export is slow")["key"]
    task = desk.task(key, "triage", "support")
    answer = api(desk, "support", f"/tasks/{task['id']}/complete", GERMAN, method="POST", expect=422,
                 json={"data": {"category": "bug", "priority": "high", "outcome": "duplicate",
                                "duplicate_of": "the other one"}})
    assert answer["errors"]["duplicate_of"] == ["Geben Sie einen Ticketschlüssel wie SUP-12 ein."]


def test_the_ticket_trail_names_tasks_and_timers_in_german(desk):
    key = desk.submit(title="Export is slow")["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                  question="Which browser?")
    desk.later(days=15)
    events = api(desk, "support", f"/tickets/{key}", GERMAN)["events"]
    named = {e["kind"]: e.get("element_name") for e in events if e["kind"] in ("task_completed", "timer_fired")}
    assert named == {"task_completed": "Ticket sichten", "timer_fired": "Keine Antwort in 14 Tagen"}


def test_every_shipped_task_event_and_form_text_has_its_german():
    for path in sorted(SHIPPED.glob("*.bpmn")):
        document = read_document(parse_bpmn(path.read_bytes()))
        for element in document.elements.values():
            assert element.names.get("de"), f"{path.name}: {element.id} has no German name"
            if element.form is None:
                continue
            german = element.form.translations.get("de", {})
            for component in element.form.components:
                for text in translated_texts(component):
                    assert german.get(text), f"{path.name}: {element.id} has no German for {text!r}"


def with_names(*properties: str) -> str:
    """support_ticket with these properties on the triage task, its German name taken out."""
    xml = SUPPORT_TICKET.replace('<spiffworkflow:property name="name:de" value="Ticket sichten" />', "")
    extra = "".join(f'<spiffworkflow:property name="{name}" value="{value}" />'
                    for name, value in (p.split("=", 1) for p in properties))
    start = xml.index('id="triage"')
    at = xml.index("</spiffworkflow:properties>", start)
    return xml[:at] + extra + xml[at:]


@pytest.mark.parametrize(("properties", "message"), [
    (["name:fr=Trier le ticket"], "The element 'Triage the ticket' has the property 'name:fr' for the unknown "
                                  "language 'fr'; supportflow names elements in name:en, name:de."),
    (["name:de= "], "The element 'Triage the ticket' has an empty 'name:de'; give its name in that language or "
                    "remove the property."),
    (["name:de=Sichten", "name:de=Ticket sichten"], "The element 'Triage the ticket' has the property 'name:de' "
                                                    "more than once; keep one."),
])
def test_validation_refuses_a_name_in_an_unknown_language_an_empty_one_or_two(sf, properties, message):
    with pytest.raises(InvalidDefinition) as refused:
        sf.definitions.validate(with_names(*properties))
    assert refused.value.errors == [{"element": "triage", "message": message}]


def test_a_name_in_english_is_allowed_for_a_diagram_written_in_german(sf):
    xml = with_names("name:en=Triage the ticket, in English").replace('name="Triage the ticket"',
                                                                      'name="Ticket sichten"')
    document = sf.definitions.validate(xml)
    triage = document.elements["triage"]
    assert (triage.name_in("en"), triage.name_in("de")) == ("Triage the ticket, in English", "Ticket sichten")


# --- forms: their translations inside the form definition --------------------------------------------------

FORM = {
    "type": "default",
    "components": [
        {"type": "text", "text": "Tell us **what** happened."},
        {"type": "select", "key": "kind", "label": "Kind", "description": "Pick the closest one.",
         "values": [{"value": "bug", "label": "Defect"}, {"value": "idea", "label": "Idea"}],
         "validate": {"required": True}},
        {"type": "textfield", "key": "ref", "label": "Reference", "description": "Like SUP-12.",
         "validate": {"pattern": "SUP-[0-9]+"}},
    ],
    "translations": {"de": {"Tell us **what** happened.": "Sagen Sie uns, **was** passiert ist.", "Kind": "Art",
                            "Defect": "Fehler", "Like SUP-12.": "Wie SUP-12."}},
}


def test_a_form_in_german_translates_each_text_and_keeps_the_others_as_written():
    form = FormDefinition.from_json(json.dumps(FORM), element="report")
    german = form.in_language("de")
    text, kind, ref = german.components
    assert text.text == "Sagen Sie uns, **was** passiert ist."
    assert (kind.label, kind.values, kind.description) == ("Art", (("bug", "Fehler"), ("idea", "Idea")),
                                                          "Pick the closest one.")
    assert (ref.label, ref.description) == ("Reference", "Wie SUP-12.")
    assert form.in_language("en") is form and form.components[1].label == "Kind"
    with pytest.raises(Exception) as refused:
        german.validate({"kind": "bug", "ref": "twelve"})
    assert refused.value.errors == {"ref": ["Wie SUP-12."]}
    assert form.as_json()["translations"] == FORM["translations"]  # kept for the editor and the API


def test_a_form_written_in_german_falls_back_to_german():
    schema = {**FORM, "language": "de", "translations": {"en": {"Art": "Kind"}}}
    schema["components"] = [{"type": "textfield", "key": "kind", "label": "Art"},
                            {"type": "textfield", "key": "other", "label": "Sonstiges"}]
    form = FormDefinition.from_json(schema, element="report")
    assert [c.label for c in form.in_language("en").components] == ["Kind", "Sonstiges"]
    assert [c.label for c in form.in_language("de").components] == ["Art", "Sonstiges"]


@pytest.mark.parametrize(("change", "message"), [
    ({"language": "fr"}, "The form's language 'fr' is not one supportflow speaks; use one of en, de."),
    ({"translations": {"fr": {"Kind": "Genre"}}}, "The form has translations into 'fr', which supportflow does not "
                                                   "speak; use one of en, de."),
    ({"translations": {"en": {"Kind": "Sort"}}}, "The form is written in 'en'; it needs no translations into that "
                                                  "language."),
    ({"translations": {"de": {"Kind": ""}}}, "The form's translation into 'de' of 'Kind' must be a text that is not "
                                              "empty."),
    ({"translations": {"de": ["Art"]}}, "The form's translations must be an object of languages, each an object of "
                                         "texts."),
])
def test_a_form_s_translations_are_checked(change, message):
    with pytest.raises(InvalidDefinition) as refused:
        FormDefinition.from_json({**FORM, **change}, element="report")
    assert refused.value.errors == [{"element": "report", "message": message}]



def test_a_process_owner_reading_german_is_told_in_german(desk):
    answer = api(desk, "process", "/processes", GERMAN, method="POST", expect=422,
                 data=with_names("name:fr=Trier le ticket"), content_type="application/xml")
    assert answer["errors"] == [{"element": "triage", "message": (
        "Das Element 'Triage the ticket' hat die Eigenschaft 'name:fr' für die unbekannte Sprache 'fr'; "
        "supportflow benennt Elemente mit name:en, name:de.")}]


def test_the_inbox_the_board_and_the_portal_name_tasks_in_german(app, desk):
    key = desk.submit(title="Export is slow")["key"]
    inbox = signed_in(app, "support").get("/inbox", headers=GERMAN).get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/tasks/[^"]+"[^>]*>Ticket sichten</a>', inbox)
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    board = signed_in(app, "developer").get("/board", headers=GERMAN).get_data(as_text=True)
    assert '<p class="tile-task muted">Bug analysieren</p>' in board
    other = desk.submit(title="Which format?", category="question")["key"]
    desk.complete(other, "triage", "support", category="question", priority="normal", outcome="need_info",
                  question="CSV or XLSX?")
    portal = signed_in(app, "customer").get("/portal", headers=GERMAN).get_data(as_text=True)
    assert ">Informationen nachreichen</a>" in portal
