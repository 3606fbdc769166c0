"""Mail templates as rows: seeded from engine/mail_templates, changed by process owners through the API (checked,
audited, the next mail changes and the past ones stay), reset to the shipped text, previewed; hostile texts are
refused or rendered harmlessly."""

import pytest
from sqlalchemy import update

from engine.i18n import LANGUAGES
from engine.services import mail_templates
from engine.store import mail_templates as store
from engine.store.tables import mail_templates as mail_templates_table
from tests.helpers import TRIAGE_ANSWER

ANSWER_EN = "/mail-templates/answer/en"
CHANGED = {"subject": "our answer, {{ ticket.title }}",
           "body": "Dear customer,\n\n{{ support.answer }}\n\n{{ agency.signature }}"}


def test_every_template_ships_in_every_language_and_is_seeded(desk):
    items = desk.as_("process").get("/mail-templates")["items"]
    assert [item["name"] for item in items] == list(mail_templates.CATALOGUE)
    for item in items:
        assert [language["language"] for language in item["languages"]] == sorted(LANGUAGES)
        assert not any(language["edited"] for language in item["languages"])
    automatic = {item["name"]: item["automatic"] for item in items}
    assert automatic["reminder"] == "auto-generated" and automatic["answer"] is None
    german = desk.client.get("/api/v1/mail-templates/offer/de", headers={**desk.as_("process").headers,
                                                                          "Accept-Language": "de"}).get_json()
    assert german["subject"] == "unser Angebot" and "{{ offer.cost }}" in german["body"]
    assert {"placeholder": "offer.cost", "meaning": "die Kosten, wie der Leser Geldbeträge schreibt"} in \
        german["placeholders"]


def test_a_changed_template_changes_the_next_mail_and_not_the_past_ones(desk):
    first = desk.submit(title="Printing fails")["key"]
    desk.complete(first, "triage", "support", **TRIAGE_ANSWER)
    saved = desk.as_("process").call("PUT", ANSWER_EN, json=CHANGED)
    assert (saved["subject"], saved["edited"], saved["updated_by"]) == (CHANGED["subject"], True, "Petra Process")
    second = desk.submit(title="Scanning fails")["key"]
    desk.complete(second, "triage", "support", **TRIAGE_ANSWER)
    [before], [after] = desk.messages(first), desk.messages(second)
    assert before["subject"] == f"[{first}] an answer to your question"
    assert before["body"].startswith("Hello,\n\nhere is our answer")
    assert after["subject"] == f"[{second}] our answer, Scanning fails"
    assert after["body"] == ("Dear customer,\n\nOpen Settings > Printing and choose the PDF printer.\n\n"
                             "Kind regards,\nYour support team")
    assert "<p>Dear customer,</p>" in after["html"]
    [event] = desk.as_("admin").get("/admin/events?target=answer/en")["items"]
    assert (event["kind"], event["actor"]) == ("mail_template_changed", "process")
    assert event["detail"]["subject"] == {"from": "an answer to your question", "to": CHANGED["subject"]}


def test_the_recipient_s_language_picks_the_row_else_english(desk):
    with desk.sf.db.write() as conn:
        conn.execute(mail_templates_table.delete().where(mail_templates_table.c.name == "fixed",
                                                         mail_templates_table.c.language == "de"))
        assert mail_templates.texts(conn, "fixed", "de") == mail_templates.texts(conn, "fixed", "en")
        assert mail_templates.texts(conn, "answer", "de")[0] == "eine Antwort auf Ihre Frage"


def test_an_unknown_placeholder_is_refused_naming_its_line(desk):
    answer = desk.as_("process").call("PUT", ANSWER_EN, expect=422, json={
        "subject": "Hi {{ ticket.owner }}", "body": "Hello,\n\n{{ support.answer }}\n{{ offer.cost }}"})
    assert answer["errors"]["subject"][0].startswith("Line 1: “ticket.owner” is not a placeholder; use one of "
                                                     "ticket.key, ticket.title, agency.signature, contact.name, "
                                                     "support.answer.")
    assert answer["errors"]["body"][0].startswith("Line 4: “offer.cost” is not a placeholder")
    german = desk.client.put(f"/api/v1{ANSWER_EN}", json={"subject": "Hallo", "body": "\n{{ kunde.name }}"},
                             headers={**desk.as_("process").headers, "Accept-Language": "de"}).get_json()
    assert german["errors"]["body"][0].startswith("Zeile 2: „kunde.name“ ist kein Platzhalter")
    assert desk.as_("process").get(ANSWER_EN)["edited"] is False  # nothing changed


@pytest.mark.parametrize("body,words", [
    ("{{ ''.__class__ }}", "“….__class__” is not"),
    ("{{ ticket.title.__class__.__mro__ }}", "“….__mro__” is not"),
    ("{% for i in range(10**9) %}spam{% endfor %}", "{% for %} is not"),
    ("{{ cycler.__init__.__globals__ }}", "is not"),
    ("{{ ticket.title|upper }}", "a filter (|) is not"),
    ("{{ lipsum() }}", "a call () is not"),
    ("{% include 'base.html' %}", "{% include %} is not"),
])
def test_a_hostile_template_is_refused(desk, body, words):
    answer = desk.as_("process").call("PUT", ANSWER_EN, expect=422, json={"subject": "Hi", "body": body})
    assert any(words in message and message.startswith("Line 1:") for message in answer["errors"]["body"]), answer
    preview = desk.as_("process").post(f"{ANSWER_EN}/preview", {"body": body}, expect=422)
    assert any(words in message for message in preview["errors"]["body"])


def test_a_subject_is_one_line_and_nothing_is_empty(desk):
    answer = desk.as_("process").call("PUT", ANSWER_EN, expect=422, json={"subject": "one\ntwo", "body": " "})
    assert answer["errors"] == {"subject": ["The subject is one line."], "body": ["This must not be empty."]}
    assert desk.as_("process").call("PUT", ANSWER_EN, expect=422, json={"subject": 5})["errors"].keys() == {
        "subject", "body"}


def test_a_stored_hostile_or_huge_template_fails_the_step_in_words_not_a_500(desk):
    """A row that bypassed the check (a hand-made one) is checked again when a mail is written: the step fails
    with the template named, for ops to read, and the ticket stays where it was."""
    key = desk.submit()["key"]
    for body, answer in (("{{ ''.__class__.__mro__ }}", TRIAGE_ANSWER["answer"]),
                         ("{{ support.answer }}" * 30, "x" * 9_000)):  # 270,000 characters filled in
        with desk.sf.db.write() as conn:
            conn.execute(update(mail_templates_table).where(mail_templates_table.c.name == "answer")
                         .values(body=body))
        failed = desk.complete(key, "triage", "support", expect=503, **{**TRIAGE_ANSWER, "answer": answer})
        assert "problem" not in failed
        [group] = desk.as_("ops").get("/instances/errors")
        retried = desk.as_("ops").call("POST", f"/instances/{group['instances'][0]['id']}/retry", expect=503)
        assert retried["problem"].startswith("The mail template 'answer' cannot be filled in: ")
        assert desk.messages(key) == [] and desk.status(key) == ("new", None)


def test_reset_brings_back_the_shipped_text_and_seeding_never_overwrites_an_edit(desk):
    desk.as_("process").call("PUT", ANSWER_EN, json=CHANGED)
    with desk.sf.db.write() as conn:
        assert mail_templates.load_shipped(conn, desk.clock.now()) == []
        assert store.template(conn, "answer", "en")["subject"] == CHANGED["subject"]
        # An unedited row of an older release is brought to the shipped text.
        conn.execute(update(mail_templates_table).where(mail_templates_table.c.name == "fixed",
                                                        mail_templates_table.c.language == "de")
                     .values(subject="behoben (alt)"))
        assert mail_templates.load_shipped(conn, desk.clock.now()) == ["fixed/de"]
        assert store.template(conn, "fixed", "de")["subject"] == "behoben"
    reset = desk.as_("process").post(f"{ANSWER_EN}/reset")
    assert (reset["subject"], reset["body"], reset["edited"]) == (
        reset["shipped"]["subject"], reset["shipped"]["body"], False)
    kinds = [e["kind"] for e in desk.as_("admin").get("/admin/events?target=answer/en")["items"]]
    assert kinds == ["mail_template_reset", "mail_template_changed"]


def test_the_preview_shows_the_mail_as_the_recipient_gets_it(desk):
    sample = desk.as_("process").post("/mail-templates/offer/de/preview", {})
    assert sample["subject"] == "[SUP-12] unser Angebot" and sample["language"] == "de"
    assert "für „Rechnungsdruck schlägt fehl“" in sample["text"]
    assert "Kosten: 1.920,00\xa0€\nLieferung: 01.05.2026" in sample["text"]
    assert '<html lang="de">' in sample["html"] and "Aufwand: 16 Stunden" in sample["html"]
    key = desk.submit(title="Scanning fails")["key"]
    draft = desk.as_("process").post(f"{ANSWER_EN}/preview", {"subject": "About {{ ticket.title }}",
                                                               "body": "**{{ ticket.key }}**", "ticket": key})
    assert (draft["subject"], draft["text"]) == (f"[{key}] About Scanning fails", f"**{key}**")
    assert f"<strong>{key}</strong>" in draft["html"]
    assert desk.as_("process").get(ANSWER_EN)["edited"] is False  # a preview saves nothing
    missing = desk.as_("process").post(f"{ANSWER_EN}/preview", {"ticket": "SUP-999"}, expect=404)
    assert "SUP-999" in missing["error"]
    staff = desk.as_("process").post("/mail-templates/staff_digest/en/preview", {})
    assert staff["subject"] == "Your supportflow digest: 2 notifications"  # no ticket key: not a ticket's mail
    assert staff["text"].startswith("Hello Petra Process,")


def test_unknown_templates_and_languages_are_not_found(desk):
    for path in ("/mail-templates/nothing/en", "/mail-templates/answer/fr"):
        assert "no mail template" in desk.as_("process").get(path, expect=404)["error"]
    desk.as_("process").call("PUT", "/mail-templates/answer/xx", expect=404, json=CHANGED)
