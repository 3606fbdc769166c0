"""Every path of support_ticket, driven through the API as the roles would, with the status after
every step as DESIGN.md gives it."""

import pytest

from tests.helpers import TRIAGE_ANSWER


@pytest.fixture(params=["warm", "cold"])
def desk(request, desk):
    # "cold" drops the live workflows before every step, so each step restores from the database.
    desk.cold = request.param == "cold"
    return desk


def test_question_answered(desk):
    ticket = desk.submit(category="question", title="Where is the print setting?")
    key = ticket["key"]
    assert ticket["status"] == "new" and ticket["organisation"] == "Acme"
    assert desk.open_tasks(key) == ["triage"]

    ticket = desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    assert (ticket["status"], desk.open_tasks(key)) == ("waiting_for_customer", ["confirm_answer"])
    assert desk.outbox(key) == ["answer"]

    ticket = desk.complete(key, "confirm_answer", "customer", solved=True, comment="Works, thanks")
    assert (ticket["status"], ticket["resolution"]) == ("closed", "answered")
    assert desk.open_tasks(key) == []


def test_question_not_solved_goes_back_to_triage(desk):
    key = desk.submit(category="question")["key"]
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    ticket = desk.complete(key, "confirm_answer", "customer", solved=False, comment="Still empty")
    assert (ticket["status"], desk.open_tasks(key)) == ("reopened", ["triage"])

    desk.complete(key, "triage", "support", **{**TRIAGE_ANSWER, "answer": "Update the driver."})
    ticket = desk.complete(key, "confirm_answer", "customer", solved=True)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "answered")
    assert desk.outbox(key) == ["answer", "answer"]


def test_need_info_loop_twice(desk):
    key = desk.submit()["key"]
    for round_ in range(2):
        ticket = desk.complete(key, "triage", "support", category="bug", priority="high", outcome="need_info",
                               question=f"Which steps lead there? (round {round_})")
        assert (ticket["status"], desk.open_tasks(key)) == ("waiting_for_customer", ["provide_information"])
        assert ticket["priority"] == "high"
        ticket = desk.complete(key, "provide_information", "customer", information=f"Steps, round {round_}")
        assert (ticket["status"], desk.open_tasks(key)) == ("captured", ["triage"])
    assert desk.outbox(key) == ["info_requested", "info_requested"]
    desk.complete(key, "triage", "support", **TRIAGE_ANSWER)
    assert desk.status(key) == ("waiting_for_customer", None)


def test_need_info_asks_a_question_the_customer_reads_in_the_mail_and_on_the_ticket(desk):
    key = desk.submit()["key"]
    need_info = {"category": "bug", "priority": "high", "outcome": "need_info"}
    errors = desk.complete(key, "triage", "support", expect=422, **need_info)
    assert errors["errors"] == {"question": ["This field is required."]}
    assert desk.open_tasks(key) == ["triage"] and desk.outbox(key) == []
    question = "Which printer model do you use, and does a test page print?"
    desk.complete(key, "triage", "support", **need_info, question=question)
    [mail] = desk.messages(key)
    assert mail["template"] == "info_requested" and question in mail["body"]
    trail = desk.ticket(key, as_="customer")["events"]
    assert [e["detail"]["body"] for e in trail if e["kind"] == "notify_customer"] == [mail["body"]]


def test_someday_closes_as_wont_fix_with_a_friendly_reply(desk):
    key = desk.submit(category="feature", title="Dark mode")["key"]
    ticket = desk.complete(key, "triage", "support", category="feature", priority="low", outcome="someday")
    assert (ticket["status"], ticket["resolution"]) == ("closed", "wont_fix")
    assert ticket["labels"] == ["someday/maybe"]
    assert desk.outbox(key) == ["someday"]
    reply = desk.messages(key)[0]
    assert "long-term development options" in reply["body"] and reply["recipients"] == ["customer@acme.example"]


def test_duplicate_is_merged_and_closed(desk):
    original = desk.submit(title="Login broken")["key"]
    key = desk.submit(title="Cannot log in")["key"]
    ticket = desk.complete(key, "triage", "support", category="bug", priority="normal", outcome="duplicate",
                           duplicate_of=original)
    assert (ticket["status"], ticket["resolution"]) == ("closed", "duplicate")
    assert ticket["links"] == [{"kind": "merged_into", "target": original}]
    assert desk.outbox(key) == ["duplicate"]


def test_duplicate_of_an_unknown_ticket_is_refused_and_changes_nothing(desk):
    key = desk.submit()["key"]
    before = desk.ticket(key)
    errors = desk.complete(key, "triage", "support", expect=422, category="bug", priority="normal",
                           outcome="duplicate", duplicate_of="SUP-999")
    assert errors["errors"] == {"duplicate_of": ["There is no ticket SUP-999 of Acme."]}
    after = desk.ticket(key)
    assert (after["status"], after["events"], desk.open_tasks(key)) == (before["status"], before["events"], ["triage"])


def test_a_duplicate_of_another_organisations_ticket_is_refused_without_revealing_it(desk):
    acme = desk.submit(title="Login broken")["key"]
    globex = desk.submit(as_="customer2", title="Cannot log in")["key"]
    errors = desk.complete(globex, "triage", "support", expect=422, category="bug", priority="normal",
                           outcome="duplicate", duplicate_of=acme)
    # the same words as for a ticket that does not exist: Acme's ticket is not revealed
    assert errors["errors"] == {"duplicate_of": [f"There is no ticket {acme} of Globex."]}
    assert desk.status(globex) == ("new", None) and desk.open_tasks(globex) == ["triage"]
    assert desk.ticket(globex)["links"] == [] and desk.outbox(globex) == []


def test_a_duplicate_key_reads_in_any_case_and_a_wrong_one_is_explained(desk):
    original = desk.submit(title="Login broken")["key"]
    key = desk.submit(title="Cannot log in")["key"]
    triage = {"category": "bug", "priority": "normal", "outcome": "duplicate"}
    errors = desk.complete(key, "triage", "support", expect=422, **triage, duplicate_of="ticket one")
    assert errors["errors"] == {"duplicate_of": ["Enter a ticket key like SUP-12."]}
    ticket = desk.complete(key, "triage", "support", **triage, duplicate_of=original.lower())
    assert ticket["links"] == [{"kind": "merged_into", "target": original}]
    assert f"already being handled as {original};" in desk.messages(key)[0]["body"]
