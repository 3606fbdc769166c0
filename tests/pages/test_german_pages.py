"""Every area of the pages in German for a browser asking for it (Accept-Language: de), with no sentence of the
English catalogue left; the person's own language setting on the account page; ?lang= on the sign-in page."""

import pytest

from engine.services import accounts, preferences
from tests.helpers import FORWARD_BUG, broken_support_ticket, instance_of
from tests.pages.helpers import GERMAN, csrf_of, english_left, flashes, signed_in, text_of

NEED_INFO = {"category": "bug", "priority": "high", "outcome": "need_info", "question": "Which steps?"}


def german(client, path: str, *expected: str, status: int = 200) -> str:
    page = client.get(path, headers=GERMAN)
    text = text_of(page)
    assert page.status_code == status, path
    assert '<html lang="de">' in page.get_data(as_text=True), path
    for words in expected:
        assert words in text, (path, words)
    assert english_left(text) == [], path
    return text


def bug_in_analysis(desk) -> str:
    key = desk.submit(title="Drucken schlägt fehl", priority="high")["key"]
    desk.complete(key, "triage", "support", **FORWARD_BUG)
    return key


def test_the_staff_pages_speak_german(app, desk):
    key = bug_in_analysis(desk)
    task = desk.task(key, "analyze_bug", "developer")
    support = signed_in(app, "support")
    german(support, "/inbox", "Eingang", "Abmelden", "Sortieren nach")
    german(support, f"/tickets/{key}", "Verlauf", "Kommentar hinzufügen", "Priorität", "hoch")
    german(support, "/capture", "Anruf erfassen", "Kundenorganisation")
    developer = signed_in(app, "developer")
    german(developer, "/board", "Offene Entwickleraufgaben nach Schritt")
    german(developer, f"/tasks/{task['id']}", "Aufgabe abschließen", "Letzte Aktivität")
    german(developer, "/account/password", "Passwort ändern", "Sprache", "Wie mein Browser")


def test_the_portal_speaks_german_to_the_customer(app, desk):
    key = desk.submit(title="Drucken schlägt fehl")["key"]
    customer = signed_in(app, "customer")
    german(customer, "/portal", "Meine Tickets", "Die Tickets Ihrer Organisation", "Eingegangen")
    german(customer, "/portal/new", "Sagen Sie uns, was Sie brauchen.", "Ticket einreichen")
    german(customer, f"/tickets/{key}", "Beschreibung", "Anhänge")


def test_the_process_and_ops_pages_speak_german(app, desk):
    key = bug_in_analysis(desk)
    instance_id = instance_of(desk, key)["id"]
    process = signed_in(app, "process")
    german(process, "/processes", "Prozesse", "Laufende Instanzen")
    german(process, "/processes/support_ticket/versions/1/edit", "Neue Version bereitstellen", "Probleme")
    german(process, "/ops/processes/support_ticket/versions/1/heatmap", "Heatmap", "Durchläufe")
    ops = signed_in(app, "ops")
    german(ops, "/ops/instances", "Instanzen", "Auf markierte anwenden", "wartend")
    german(ops, f"/ops/instances/{instance_id}", "Aufgabenverlauf", "Ausstehende Timer", "Einen Wert ändern")
    german(ops, "/ops/errors", "Fehlereingang", "Keine Instanz hat einen Fehler.")


def test_an_instance_in_error_and_the_error_pages_in_german(app, desk):
    desk.as_("process").post("/processes", data=broken_support_ticket(), content_type="application/xml", expect=201)
    key = desk.submit()["key"]
    desk.complete(key, "triage", "support", expect=503, **NEED_INFO)
    ops = signed_in(app, "ops")
    german(ops, f"/ops/instances/{instance_of(desk, key)['id']}", "Letzter Fehler", "fehlerhaft")
    german(ops, "/ops/errors", "Fehlereingang", "gruppiert nach dem Element, das fehlschlug")
    german(ops, "/ops/instances/999999", "Nicht gefunden", status=404)
    german(ops, "/no/such/page", "Unter dieser Adresse gibt es nichts.", status=404)
    german(signed_in(app, "customer"), "/board", "Nicht erlaubt", status=403)


def test_the_sign_in_page_speaks_german_and_switches_by_lang(app):
    client = app.test_client()
    german(client, "/sign-in", "Anmelden", "Benutzername")
    english = client.get("/sign-in?lang=en", headers=GERMAN)
    assert '<html lang="en">' in english.get_data(as_text=True) and "User name" in text_of(english)
    again = client.get("/sign-in", headers=GERMAN)  # the choice stays for the session
    assert "User name" in text_of(again) and 'hreflang="de"' in again.get_data(as_text=True)


@pytest.fixture
def support_speaks_as_the_browser(sf):
    """The users outlive a test on PostgreSQL: support's own language is set back to none afterwards."""
    yield
    preferences.set_language(sf, accounts.actor_by_username(sf, "support"), None)


@pytest.mark.parametrize("choice, shown", [("de", "Eingang"), ("en", "Inbox")])
@pytest.mark.usefixtures("support_speaks_as_the_browser")
def test_a_person_s_own_language_wins_over_the_browser(app, choice, shown):
    client = signed_in(app, "support")
    token = csrf_of(client, "/account/password")
    answer = client.post("/account/language", data={"language": choice, "csrf_token": token},
                         headers={"Accept-Language": "de" if choice == "en" else "en"})
    assert answer.status_code == 302
    browser = {"Accept-Language": "de" if choice == "en" else "en"}
    page = client.get("/inbox", headers=browser)
    assert shown in text_of(page) and f'<html lang="{choice}">' in page.get_data(as_text=True)
    settings = client.get("/account/password", headers=browser).get_data(as_text=True)
    assert f'value="{choice}" checked' in settings
    back = client.post("/account/language", data={"language": "", "csrf_token": csrf_of(client, "/account/password")})
    assert back.status_code == 302
    assert "Eingang" in text_of(client.get("/inbox", headers=GERMAN))  # the browser's again


@pytest.mark.usefixtures("support_speaks_as_the_browser")
def test_an_unknown_language_is_refused_in_words_and_changes_nothing(app):
    client = signed_in(app, "support")
    token = csrf_of(client, "/account/password")
    page = client.post("/account/language", data={"language": "fr", "csrf_token": token}, headers=GERMAN)
    assert page.status_code == 422
    assert "Wählen Sie eine der angebotenen Sprachen" in text_of(page)
    assert "Inbox" in text_of(client.get("/inbox"))
    flashed = client.post("/account/language", data={"language": "de", "csrf_token": token})
    said = flashes(client.get(flashed.headers["Location"]))
    assert said == [("success", "supportflow spricht jetzt Deutsch mit Ihnen.")]


@pytest.mark.usefixtures("support_speaks_as_the_browser")
def test_the_welcome_is_said_in_the_person_s_own_language(app, sf):
    preferences.set_language(sf, accounts.actor_by_username(sf, "support"), "de")
    client = app.test_client()
    signed = client.post("/sign-in", data={"username": "support", "password": "demo", "csrf_token": csrf_of(client)},
                         headers={"Accept-Language": "en"})
    assert flashes(client.get(signed.headers["Location"])) == [("success", "Willkommen, Sam Support.")]
