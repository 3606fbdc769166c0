"""The engine's sentences in German and English: refusals, field errors, a refused diagram's problems and the
customers' mails, each in its reader's language; and nothing stored is a lazy sentence."""

import pytest
from sqlalchemy import select, update

from engine import i18n
from engine.bpmn.documents import read_document
from engine.bpmn.xml import parse_bpmn
from engine.domain import resolution_text, status_text
from engine.errors import InvalidDefinition, InvalidInput
from engine.forms import FormDefinition
from engine.services import accounts, mail_templates
from engine.services.notifications import messages
from engine.store.tables import audit_events, instances, users
from tests.helpers import bpmn, bug_fix_reading_an_undefined_name

FORWARD_FEATURE = {"category": "feature", "priority": "normal", "outcome": "forward"}
OFFER = {"hours": 16, "cost": 1920, "delivery_date": "2026-05-01"}
GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
FORM = {"components": [
    {"type": "textfield", "key": "summary", "label": "Summary", "validate": {"required": True, "minLength": 5}},
    {"type": "number", "key": "hours", "label": "Hours", "validate": {"min": 0, "max": 100}},
    {"type": "checkbox", "key": "ok", "label": "OK", "validate": {"required": True}},
    {"type": "select", "key": "size", "label": "Size", "values": [{"value": "s"}, {"value": "m"}]},
]}


def shipped_texts(name: str):
    """The template's texts as shipped, by language (what a database seeded with them holds)."""
    return lambda language: mail_templates.shipped(name, language)


def api(desk, username: str, method: str, path: str, headers=None, **kwargs):
    """(status, JSON) of a call as `username`, with the extra headers (a browser's Accept-Language, say)."""
    response = desk.client.open(f"/api/v1{path}", method=method,
                                headers={**desk.as_(username).headers, **(headers or {})}, **kwargs)
    return response.status_code, response.get_json()


def customer(desk, username: str, organisation: str, language: str | None) -> str:
    """A customer of `organisation` with an e-mail address and a language (None: none chosen); kept between
    tests on PostgreSQL, so made once."""
    if not accounts.user_exists(desk.sf, username):
        accounts.create_user(desk.sf, username, "demo", ["customer"], email=f"{username}@{organisation}.example",
                             organisation=organisation)
    with desk.sf.db.write() as conn:
        conn.execute(update(users).where(users.c.username == username).values(language=language))
    return f"{username}@{organisation}.example"


def offered(desk, as_: str) -> str:
    key = desk.submit(as_=as_, category="feature", title="CSV-Export")["key"]
    desk.complete(key, "triage", "support", **FORWARD_FEATURE)
    desk.complete(key, "estimate_effort", "developer", **OFFER)
    desk.complete(key, "approve_offer", "owner", approved=True, offer_text="Wir bauen den CSV-Export.")
    return key


# --- a form, a diagram, the API: in the reader's language ---------------------------------------------------


def test_a_refused_form_answers_in_german_and_in_english():
    form = FormDefinition.from_json(FORM, element="t")
    submitted = {"summary": "kurz", "hours": 120, "size": "xl"}
    with i18n.speaking("de"):
        with pytest.raises(InvalidInput) as german:
            form.validate(submitted)
        assert str(german.value) == "Die übermittelten Daten sind nicht gültig."  # read in the language of then
    assert german.value.errors == {
        "summary": ["Kürzer als die Mindestlänge von 5."],
        "hours": ["Muss größer oder gleich 0 und kleiner oder gleich 100 sein."],
        "ok": ["Wählen Sie Ja oder Nein."],
        "size": ["Muss einer der folgenden Werte sein: s, m."],
    }
    with pytest.raises(InvalidInput) as english:
        form.validate(submitted)
    assert english.value.errors["summary"] == ["Shorter than the minimum length of 5."]
    assert english.value.errors["ok"] == ["Choose Yes or No."]
    assert english.value.errors["size"] == ["Must be one of: s, m."]
    assert str(english.value) == "The submitted data is not valid."


def test_a_form_that_cannot_be_deployed_says_why_in_german():
    broken = {"components": [{"type": "slider", "key": "x"}, {"type": "textfield", "key": "1st"}]}
    with i18n.speaking("de"), pytest.raises(InvalidDefinition) as refused:
        FormDefinition.from_json(broken, element="t")
    assert [problem["message"] for problem in refused.value.errors] == [
        "Komponente 1 hat den nicht unterstützten Typ 'slider'; verwenden Sie einen von: text, textfield, "
        "textarea, number, checkbox, select, radio, datetime.",
        "Komponente 2: der Schlüssel '1st' ist kein gültiger Python-Bezeichner.",
    ]


LANELESS = bpmn(
    '<bpmn:process id="laneless" isExecutable="true"><bpmn:startEvent id="s"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/><bpmn:userTask id="work" name="Prüfen"/>'
    '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process>')


def test_a_refused_diagram_s_problems_in_german(desk):
    status, answer = api(desk, "process", "POST", "/processes", GERMAN, data=LANELESS,
                         content_type="application/xml")
    assert status == 422 and answer["error"] == "Die Prozessdefinition ist nicht gültig."
    assert {"element": "work", "message": "Die Benutzeraufgabe 'Prüfen' liegt in keiner Lane, daher kann keine Rolle "
                                          "sie erledigen."} in answer["errors"]
    assert {"element": "work", "message": "Die Benutzeraufgabe 'Prüfen' hat kein Formular."} in answer["errors"]
    status, answer = api(desk, "process", "POST", "/processes", data=LANELESS, content_type="application/xml")
    assert status == 422 and answer["error"] == "The process definition is not valid."
    assert {"element": "work", "message": "The user task 'Prüfen' has no form."} in answer["errors"]
    with i18n.speaking("de"), pytest.raises(InvalidDefinition) as refused:
        read_document(parse_bpmn(bpmn('<bpmn:process id="a"/><bpmn:process id="b"/>')))
    assert refused.value.errors == [{"element": None, "message": "Eine Datei muss genau einen Prozess enthalten; "
                                                                 "gefunden: 2 (a, b)."}]


def test_the_api_answers_in_the_browser_s_language(desk):
    assert api(desk, "support", "GET", "/tickets/SUP-99", GERMAN) == (404, {"error": "Es gibt kein Ticket SUP-99."})
    assert api(desk, "support", "GET", "/tickets/SUP-99") == (404, {"error": "There is no ticket SUP-99."})
    status, answer = api(desk, "developer", "GET", "/processes", GERMAN)
    assert (status, answer["error"]) == (403, "Nur Prozessverantwortliche und der Betrieb sehen Prozessdefinitionen.")
    short = {"title": "ab", "description": "x", "category": "bug", "priority": "urgent"}
    status, answer = api(desk, "customer", "POST", "/tickets", GERMAN, json=short)
    assert status == 422 and answer["errors"] == {
        "title": ["Die Länge muss zwischen 3 und 200 liegen."],
        "priority": ["Muss einer der folgenden Werte sein: low, normal, high, critical."]}
    status, answer = api(desk, "customer", "POST", "/tickets", json=short)
    assert status == 422 and answer["errors"] == {
        "title": ["Length must be between 3 and 200."],
        "priority": ["Must be one of: low, normal, high, critical."]}
    status, answer = api(desk, "customer", "POST", "/tickets", GERMAN, json={"category": "bug", "priority": "low"})
    assert status == 422 and answer["errors"]["title"] == ["Dieses Feld ist erforderlich."]


def test_a_task_s_form_refuses_in_german_and_changes_nothing(desk):
    key = desk.submit(category="bug")["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    task = desk.task(key, "analyze_bug", "developer")
    status, answer = api(desk, "developer", "POST", f"/tasks/{task['id']}/complete", GERMAN,
                         json={"data": {"analysis": "Fehler im PDF-Export"}})
    assert (status, answer["errors"]) == (422, {"is_bug": ["Wählen Sie Ja oder Nein."]})
    assert desk.open_tasks(key) == ["analyze_bug"]
    status, answer = api(desk, "developer", "POST", f"/tasks/{task['id']}/complete",
                         json={"data": {"analysis": "Fehler im PDF-Export"}})
    assert (status, answer["errors"]) == (422, {"is_bug": ["Choose Yes or No."]})


def test_ticket_statuses_read_in_the_reader_s_language_as_plain_text(desk):
    key = desk.submit()["key"]
    status, ticket = api(desk, "customer", "GET", f"/tickets/{key}", GERMAN)
    assert status == 200 and ticket["status_text"] == "Eingegangen"
    status, ticket = api(desk, "support", "GET", f"/tickets/{key}", GERMAN)
    assert ticket["status_text"] == "Neu"
    assert desk.ticket(key)["status_text"] == "New"
    with i18n.speaking("de"):
        assert type(status_text("waiting_for_customer", customer=True)) is str
        assert status_text("waiting_for_customer", customer=True) == "Wartet auf Ihre Antwort"
        assert resolution_text("wont_fix") == "Wird nicht behoben"


# --- the customers' mails ------------------------------------------------------------------------------------


def test_a_german_customer_gets_the_offer_in_german_with_german_money_and_dates(desk):
    address = customer(desk, "greta", "baeckerei-kiel", "de")
    key = offered(desk, "greta")
    [mail] = [m for m in desk.messages(key) if m["template"] == "offer"]
    assert mail["recipients"] == [address]
    assert mail["subject"] == f"[{key}] unser Angebot"
    assert mail["body"] == (
        "Guten Tag,\n\nfür „CSV-Export“ bieten wir Ihnen an:\n\nWir bauen den CSV-Export.\n\n"
        "Aufwand: 16 Stunden\nKosten: 1.920,00\xa0€\nLieferung: 01.05.2026\n\n"
        "Bitte nehmen Sie das Angebot im Portal an oder lehnen Sie es ab.\n\nMit freundlichen Grüßen\nIhr Support-Team")
    trail = [e for e in desk.ticket(key, as_="greta")["events"] if e["kind"] == "notify_customer"]
    assert trail[-1]["detail"]["body"] == mail["body"]


def test_an_english_customer_gets_the_offer_in_english(desk):
    key = offered(desk, "customer")  # the demo customer chose no language, nor did anyone of Acme
    [mail] = [m for m in desk.messages(key) if m["template"] == "offer"]
    assert mail["subject"] == f"[{key}] our offer"
    assert "Effort: 16 hours\nCost: €1,920.00\nDelivery: 1 May 2026\n" in mail["body"]
    assert mail["body"].endswith("Kind regards,\nYour support team")


def test_one_mail_per_language_the_organisation_s_customers_read(desk):
    german = {customer(desk, "hanna", "werft-nord", "de"), customer(desk, "jonas", "werft-nord", "de"),
              customer(desk, "mika", "werft-nord", None)}  # Mika chose none: the organisation's usual language
    english = customer(desk, "emily", "werft-nord", "en")
    key = offered(desk, "hanna")
    mails = [m for m in desk.messages(key) if m["template"] == "offer"]
    assert [(set(m["recipients"]), m["subject"]) for m in mails] == [
        (german, f"[{key}] unser Angebot"), ({english}, f"[{key}] our offer")]
    assert "Kosten: 1.920,00\xa0€" in mails[0]["body"] and "Cost: €1,920.00" in mails[1]["body"]
    # The trail shows the ticket's mail once, as most of the organisation reads it.
    [event] = [e for e in desk.ticket(key)["events"] if e["kind"] == "notify_customer"]
    assert event["detail"]["body"] == mails[0]["body"] and event["detail"]["language"] == "de"


def test_the_mail_language_falls_back_to_the_organisation_then_to_english():
    ticket = {"id": 7, "title": "Export"}
    data = {"question": "Welche Version?"}
    people = [{"email": "a@x.example", "language": None}, {"email": None, "language": "de"}]
    [mail] = messages("info_requested", ticket, data, people, shipped_texts("info_requested"))
    assert (mail["language"], mail["recipients"]) == ("de", ["a@x.example"])
    assert mail["subject"] == "[SUP-7] wir benötigen noch einige Informationen"
    [mail] = messages("info_requested", ticket, data, [{"email": "a@x.example", "language": "fr"}],
                      shipped_texts("info_requested"))
    assert mail["language"] == "en" and "Welche Version?" in mail["body"]
    [mail] = messages("offer", ticket, {"cost": 99.5, "currency": "CHF", "hours": 2.5, "delivery_date": "später"},
                      [{"email": "b@x.example", "language": "de"}], shipped_texts("offer"))
    assert "Aufwand: 2,5 Stunden\nKosten: 99,50\xa0CHF\nLieferung: später" in mail["body"]
    assert i18n.current_language() == "en"


# --- nothing stored is a lazy sentence -----------------------------------------------------------------------


def _no_lazy(value) -> bool:
    if isinstance(value, dict):
        return all(_no_lazy(k) and _no_lazy(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_no_lazy(v) for v in value)
    return not i18n.is_lazy(value)


def test_what_is_stored_is_plain_text_even_when_the_step_failed_for_a_german_reader(desk):
    desk.as_("process").post("/processes", data=bug_fix_reading_an_undefined_name(),
                             content_type="application/xml", expect=201)
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", category="bug", priority="high", outcome="forward")
    task = desk.task(key, "analyze_bug", "developer")
    status, answer = api(desk, "developer", "POST", f"/tasks/{task['id']}/complete", GERMAN,
                         json={"data": {"is_bug": False, "analysis": "Ein Wunsch"}})
    assert status == 503 and set(answer) == {"error"}  # what failed is for those who repair it
    with desk.sf.db.read() as conn:
        [error] = [row.last_error for row in conn.execute(select(instances.c.last_error))
                   if row.last_error is not None]
        details = [row.detail for row in conn.execute(select(audit_events.c.detail))]
    assert type(error["message"]) is str and "severity" in error["message"]
    assert all(_no_lazy(detail) for detail in details)
    with i18n.speaking("de"):
        problem = InvalidInput({"x": [accounts.WRONG_PASSWORD]}).errors["x"][0]
    assert type(problem) is str and problem == "Das aktuelle Passwort ist falsch."
