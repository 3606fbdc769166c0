"""Canned replies through the API as the roles use them: shared ones by support masters (refused to developers
in the capability's words), personal ones seen by their owner only, rendered for a ticket with its customer
and contact person, hostile templates refused or harmless, in German and English; the shipped defaults."""

import pytest

from engine.services import canned_replies, organisations, reply_templates
from engine.services.authorization import CAPABILITIES
from webapp.cli import main

SOMEDAY_DE = "Ich habe Ihren Wunsch jedoch auf unserer Liste für langfristige Entwicklungsoptionen vermerkt."
GREETING = {"title": "Greeting", "language": "en", "shared": True,
            "text": "Hello {{ customer.name }},\n\nabout {{ ticket.key }} ({{ ticket.title }}): "
                    "{{ contact.name }} looks after you.\n\n{{ agent.name }}"}


def test_a_support_master_shares_a_reply_a_developer_may_not(desk):
    support, developer = desk.as_("support"), desk.as_("developer")
    created = support.post("/replies", GREETING, expect=201)
    assert created["shared"] and created["owner"] is None and created["language"] == "en"
    refused = developer.post("/replies", {**GREETING, "title": "Mine"}, expect=403)
    assert refused["error"] == CAPABILITIES["reply:share"].refusal
    refused = developer.call("PATCH", f"/replies/{created['id']}", expect=403, json={"title": "Changed"})
    assert refused["error"] == CAPABILITIES["reply:share"].refusal
    developer.call("DELETE", f"/replies/{created['id']}", expect=403)
    # Every staff member sees the shared one; customers none at all.
    assert [r["id"] for r in developer.get("/replies")["items"]] == [created["id"]]
    assert desk.as_("customer").get("/replies", expect=403)["error"] == CAPABILITIES["reply:use"].refusal
    changed = support.call("PATCH", f"/replies/{created['id']}", json={"title": "Greeting (long)"})
    assert changed["title"] == "Greeting (long)"
    support.call("DELETE", f"/replies/{created['id']}", expect=204)
    assert developer.get("/replies")["items"] == []
    # Who changed what everyone answers with is on the admin trail, newest first.
    trail = desk.as_("admin").get("/admin/events")["items"]
    assert [(e["kind"], e["actor"], e["target"]) for e in trail] == [
        ("reply_deleted", "support", "Greeting (long)"), ("reply_changed", "support", "Greeting (long)"),
        ("reply_created", "support", "Greeting")]
    assert trail[1]["detail"] == {"reply": created["id"], "title": {"from": "Greeting", "to": "Greeting (long)"}}


def test_a_personal_reply_is_its_owner_s_alone(desk):
    developer, support = desk.as_("developer"), desk.as_("support")
    mine = developer.post("/replies", {"title": "My sign-off", "text": "Cheers, {{ agent.name }}",
                                       "language": "en"}, expect=201)
    assert not mine["shared"] and mine["owner"] == "developer"
    assert [r["id"] for r in developer.get("/replies")["items"]] == [mine["id"]]
    assert support.get("/replies")["items"] == []
    key = desk.submit()["key"]
    for method, path, body in (("GET", f"/replies/{mine['id']}", None), ("PATCH", f"/replies/{mine['id']}",
                                                                         {"title": "x"}),
                               ("DELETE", f"/replies/{mine['id']}", None),
                               ("POST", f"/replies/{mine['id']}/render", {"ticket": key})):
        support.call(method, path, expect=404, json=body)
    changed = developer.call("PATCH", f"/replies/{mine['id']}", json={"text": "Bye, {{ agent.name }}"})
    assert changed["text"] == "Bye, {{ agent.name }}"
    # Making it shared takes reply:share.
    developer.call("PATCH", f"/replies/{mine['id']}", expect=403, json={"shared": True})
    developer.call("DELETE", f"/replies/{mine['id']}", expect=204)
    developer.get(f"/replies/{mine['id']}", expect=404)
    assert desk.as_("admin").get("/admin/events")["items"] == []  # a personal reply is its owner's business


def test_render_fills_the_ticket_its_customer_the_contact_and_the_agent(desk):
    organisations.set_contact(desk.sf, "Acme", "support")
    key = desk.submit(title="Printing fails")["key"]
    reply = desk.as_("support").post("/replies", GREETING, expect=201)
    rendered = desk.as_("developer").post(f"/replies/{reply['id']}/render", {"ticket": key})
    assert rendered["language"] == "en"
    assert rendered["text"] == (f"Hello Clara Customer,\n\nabout {key} (Printing fails): Sam Support looks after "
                                "you.\n\nDana Developer")
    # Without a contact person that placeholder is empty; an unknown ticket is 404, a missing one 422.
    organisations.set_contact(desk.sf, "Acme", None)
    text = desk.as_("support").post(f"/replies/{reply['id']}/render", {"ticket": key})["text"]
    assert "(Printing fails):  looks after you.\n\nSam Support" in text
    desk.as_("support").post(f"/replies/{reply['id']}/render", {"ticket": "SUP-999"}, expect=404)
    assert "ticket" in desk.as_("support").post(f"/replies/{reply['id']}/render", {}, expect=422)["errors"]


def test_a_captured_ticket_greets_the_organisation(desk):
    key = desk.submit(as_="support", organisation="Globex", title="Called about the login")["key"]
    reply = desk.as_("support").post("/replies", {**GREETING, "text": "Hello {{ customer.name }} "
                                                  "({{ customer.organisation }})"}, expect=201)
    assert desk.as_("support").post(f"/replies/{reply['id']}/render", {"ticket": key})["text"] == \
        "Hello Globex (Globex)"


@pytest.mark.parametrize("text,words", [
    ("{{ ''.__class__ }}", "“….__class__” is not"),
    ("{{ ticket.__dict__ }}", "“ticket.__dict__” is not a placeholder"),
    ("{% for i in range(10**9) %}spam{% endfor %}", "{% for %} is not"),
    ("{{ ticket.title.__class__.__mro__ }}", "“….__mro__” is not"),
    ("{{ cycler.__init__.__globals__ }}", "is not"),
    ("{{ ticket.title|upper }}", "a filter (|) is not"),
    ("{% set x = 1 %}", "{% set %} is not"),
    ("{{ lipsum() }}", "a call () is not"),
])
def test_a_hostile_template_is_refused_when_saved(desk, text, words):
    answer = desk.as_("support").post("/replies", {**GREETING, "text": text}, expect=422)
    assert any(words in message and message.startswith("Line 1:") for message in answer["errors"]["text"]), answer
    assert desk.as_("support").get("/replies")["items"] == []


def test_an_unknown_placeholder_and_a_syntax_error_are_named_with_their_line(desk):
    answer = desk.as_("support").post("/replies", {**GREETING, "text": "Hello\n{{ customer.email }}"},
                                      expect=422)
    assert answer["errors"]["text"] == ["Line 2: “customer.email” is not a placeholder; use one of customer.name, "
                                        "customer.organisation, ticket.key, ticket.title, contact.name, agent.name."]
    answer = desk.as_("support").post("/replies", {**GREETING, "text": "Hi\n\n{{ ticket.key"}, expect=422)
    [message] = answer["errors"]["text"]
    assert message.startswith("Line 3: the text cannot be read as a template:")
    german = desk.client.post("/api/v1/replies", json={**GREETING, "text": "{{ kunde.name }}"},
                              headers={**desk.as_("support").headers, "Accept-Language": "de"})
    assert german.status_code == 422
    assert german.get_json()["errors"]["text"][0].startswith("Zeile 1: „kunde.name“ ist kein Platzhalter")


def test_a_reply_stored_hostile_renders_harmlessly_within_limits(desk):
    """A text that reached the table without the check (an older version, a hand-made row) is checked again when
    rendered; what placeholders make too long is refused; nothing is a 500."""
    key = desk.submit()["key"]
    reply = desk.as_("support").post("/replies", GREETING, expect=201)
    from engine.store import replies as reply_store

    for text in ("{{ ''.__class__.__mro__ }}", "{% for i in range(10**9) %}x{% endfor %}"):
        with desk.sf.db.write() as conn:
            reply_store.update_reply(conn, reply["id"], {"body": text})
        answer = desk.as_("support").post(f"/replies/{reply['id']}/render", {"ticket": key}, expect=422)
        assert "is not" in answer["errors"]["text"][0]
    long = "{{ ticket.title }}" * 800  # 14,400 characters written, 10,400 filled in
    with desk.sf.db.write() as conn:
        reply_store.update_reply(conn, reply["id"], {"body": long})
    answer = desk.as_("support").post(f"/replies/{reply['id']}/render", {"ticket": key}, expect=422)
    assert answer["errors"]["text"] == [f"Filled in, the reply is longer than {reply_templates.MAX_RENDERED} "
                                        "characters; shorten it."]


def test_the_sandbox_itself_refuses_attributes_beyond_the_placeholders():
    """Below the check: the environment is Jinja's sandbox (an unsafe attribute is nothing, a call of one refused),
    and undefined names render empty."""
    environment = reply_templates._ENVIRONMENT
    assert environment.from_string("{{ ticket.title.__class__ }}|{{ nobody.name }}").render(
        ticket={"title": "x"}) == "|"
    with pytest.raises(Exception, match=r"not safely callable|unsafe"):
        environment.from_string("{{ ticket.title.format.__self__.__class__.__subclasses__() }}").render(
            ticket={"title": "x"})


def test_german_and_english_versions_share_a_key(desk):
    support = desk.as_("support")
    de = support.post("/replies", {"title": "Gruß", "text": "Hallo {{ customer.name }}", "language": "de",
                                   "shared": True, "key": "greeting"}, expect=201)
    en = support.post("/replies", {"title": "Greeting", "text": "Hello {{ customer.name }}", "language": "en",
                                   "shared": True, "key": "greeting"}, expect=201)
    again = support.post("/replies", {"title": "Noch einer", "text": "Hallo", "language": "de", "shared": True,
                                      "key": "greeting"}, expect=422)
    assert "key" in again["errors"]
    assert {r["language"] for r in support.get("/replies?q=greeting")["items"]} == {"en"}
    assert [r["id"] for r in support.get("/replies?language=de")["items"]] == [de["id"]]
    key = desk.submit()["key"]
    assert support.post(f"/replies/{de['id']}/render", {"ticket": key}) == {
        "id": de["id"], "language": "de", "text": "Hallo Clara Customer"}
    assert support.post(f"/replies/{en['id']}/render", {"ticket": key})["text"] == "Hello Clara Customer"
    assert support.post("/replies", {**GREETING, "key": "Not A Key"}, expect=422)["errors"]["key"]


def test_search_folds_case_sharp_s_and_umlauts(desk):
    support = desk.as_("support")
    support.post("/replies", {"title": "Straße gesperrt", "text": "Die Zufahrt ist gesperrt.", "language": "de"},
                 expect=201)
    assert len(support.get("/replies?q=STRASSE")["items"]) == 1
    assert len(support.get("/replies?q=zufahrt gesperrt")["items"]) == 1
    support.post("/replies", {"title": "Änderung notiert", "text": "Danke.", "language": "de"}, expect=201)
    assert [r["title"] for r in support.get("/replies?q=anderung")["items"]] == ["Änderung notiert"]
    assert support.get("/replies?q=Umleitung")["items"] == []


def test_the_defaults_load_once_from_demo_data_and_the_command(desk, database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["replies", "load-defaults"]) == 0
    assert "someday-maybe/de, someday-maybe/en" in capsys.readouterr().out
    assert main(["replies", "load-defaults"]) == 0
    assert "already there" in capsys.readouterr().out
    items = desk.as_("developer").get("/replies?q=someday")["items"]
    assert {(r["key"], r["language"], r["shared"]) for r in items} == {("someday-maybe", "de", True),
                                                                       ("someday-maybe", "en", True)}
    key = desk.submit()["key"]
    german = next(r for r in items if r["language"] == "de")
    text = desk.as_("support").post(f"/replies/{german['id']}/render", {"ticket": key})["text"]
    assert text.startswith("Hallo Clara Customer,\n\nvielen Dank für Ihre Anregung.")
    assert SOMEDAY_DE in text and text.endswith("Viele Grüße\nSam Support\n")
    assert canned_replies.load_defaults(desk.sf) == []


def test_the_replies_are_in_the_openapi_document(desk):
    document = desk.client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"]["/replies"])
    assert {"get", "patch", "delete"} <= set(document["paths"]["/replies/{reply_id}"])
    assert "post" in document["paths"]["/replies/{reply_id}/render"]
    assert "RenderRequest" in document["components"]["schemas"]
