"""The worker's mailbox against a real Dovecot the tests start (tests/mailservers.py): every message handed to
the handler once it is in, filed away after the handler answered, left where it was for a temporary failure;
STARTTLS and TLS from the start with a checked certificate; IDLE waking the worker. Messages reach the mailbox
by IMAP APPEND, as a mail client files them."""

import email
import threading
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import make_msgid
from types import SimpleNamespace

import pytest

from engine.mailbox import PROCESSED, Mailbox, poll_once
from engine.senders import JsonLinesSender
from engine.services import worker
from tests.mailservers import free_port
from webapp.cli import _print_round

pytestmark = pytest.mark.processes  # a Dovecot of each test's own
WAIT_S = 10.0  # how long a test waits for the real server to tell of new mail


def mail(subject: str, body: str = "Der Drucker druckt leere Seiten.", sender: str = "anna@kunde.example") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@desk.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kunde.example")
    message.set_content(body)
    return message.as_bytes(policy=SMTP)


class Intake:
    """A handler as the worker is given one: it keeps what it was handed and answers the outcome `answers` holds
    for the message's subject (accepted for any other)."""

    def __init__(self, answers: dict | None = None):
        self.answers = answers or {}
        self.taken: list[bytes] = []
        self.sizes: list[int] = []
        self.called = threading.Event()

    def __call__(self, raw: bytes, size: int):
        assert size >= len(raw)
        self.taken.append(raw)
        self.sizes.append(size)
        self.called.set()
        answer = self.answers.get(subject_of(raw), "accepted")
        if isinstance(answer, Exception):
            raise answer
        return answer

    def subjects(self) -> list[str]:
        return [subject_of(raw) for raw in self.taken]


def subject_of(raw: bytes) -> str:
    return str(email.message_from_bytes(raw, policy=default)["Subject"])


def test_accepted_mail_is_handed_over_whole_and_moved_into_a_processed_folder_created_for_it(dovecot):
    first, second = mail("Drucker"), mail("Rechnung für März")
    dovecot.append(first)
    dovecot.append(second)
    assert dovecot.subjects("Processed") == []  # no such folder yet
    intake = Intake()
    report = poll_once(dovecot.settings(), intake)
    assert report.counts() == {"accepted": 2, "ignored": 0, "refused": 0, "temporary": 0}
    assert (report.errors, report.too_large, report.more) == ([], [], False)
    assert intake.taken == [first, second]  # the bytes as they were sent, oldest first
    assert dovecot.subjects("INBOX") == []
    assert dovecot.subjects("Processed") == ["Drucker", "Rechnung für März"]
    assert all({b"\\Seen", PROCESSED} <= flags for flags in dovecot.flags("Processed"))
    assert poll_once(dovecot.settings(), intake).counts()["accepted"] == 0 and len(intake.taken) == 2


def test_the_mailbox_is_read_over_tls_from_the_start(dovecot):
    dovecot.append(mail("Über TLS"))
    settings = dovecot.settings(SUPPORTFLOW_IMAP_SSL="1", SUPPORTFLOW_IMAP_STARTTLS="0",
                                SUPPORTFLOW_IMAP_PORT=str(dovecot.imaps_port))
    intake = Intake()
    assert poll_once(settings, intake).accepted == 1
    assert intake.subjects() == ["Über TLS"] and dovecot.subjects("Processed") == ["Über TLS"]


def test_a_temporary_failure_leaves_the_message_unread_for_the_next_poll_and_refused_mail_is_filed_too(dovecot):
    for subject in ("Datenbank weg", "Abgelehnt", "Automatische Antwort", "Neu"):
        dovecot.append(mail(subject))
    intake = Intake({"Datenbank weg": "temporary", "Abgelehnt": SimpleNamespace(outcome="refused"),
                     "Automatische Antwort": "ignored"})
    report = poll_once(dovecot.settings(), intake)
    assert report.counts() == {"accepted": 1, "ignored": 1, "refused": 1, "temporary": 1}
    assert dovecot.subjects("INBOX") == ["Datenbank weg"]
    assert dovecot.flags("INBOX") == [set()]  # untouched: not even read
    assert dovecot.subjects("Processed") == ["Abgelehnt", "Automatische Antwort", "Neu"]

    intake.answers.clear()  # the database is back
    assert poll_once(dovecot.settings(), intake).counts()["accepted"] == 1
    assert intake.subjects() == ["Datenbank weg", "Abgelehnt", "Automatische Antwort", "Neu", "Datenbank weg"]
    assert dovecot.subjects("INBOX") == []


def test_a_handler_that_fails_or_answers_nonsense_leaves_its_message_and_the_next_one_is_still_taken(dovecot):
    for subject in ("Kaputt", "Unsinn", "Gut"):
        dovecot.append(mail(subject))
    intake = Intake({"Kaputt": RuntimeError("the database is gone"), "Unsinn": "maybe"})
    report = poll_once(dovecot.settings(), intake)
    assert report.counts() == {"accepted": 1, "ignored": 0, "refused": 0, "temporary": 2}
    assert report.errors == [
        "Message UID 1 could not be taken in and stays for the next poll: RuntimeError: the database is gone",
        "Message UID 2 could not be taken in and stays for the next poll: ValueError: the handler answered "
        "'maybe', not one of accepted, ignored, refused, temporary"]
    assert dovecot.subjects("INBOX") == ["Kaputt", "Unsinn"] and dovecot.subjects("Processed") == ["Gut"]


def test_mail_above_the_size_limit_is_refused_unread_and_filed_away(dovecot, capsys):
    dovecot.append(mail("Riesig", body="x" * 5000, sender="Jörg Groß <joerg@kunde.example>"))
    dovecot.append(mail("Klein"))
    intake = Intake({"Riesig": "refused"})
    report = poll_once(dovecot.settings(SUPPORTFLOW_MAIL_MAX_BYTES="2048"), intake)
    assert report.counts() == {"accepted": 1, "ignored": 0, "refused": 1, "temporary": 0}
    [refusal] = report.too_large
    assert refusal.startswith("Message UID 1 from Jörg Groß <joerg@kunde.example> ('Riesig', <")
    assert refusal.endswith("above the limit of 2048: refused unread") and " bytes" in refusal
    assert intake.subjects() == ["Riesig", "Klein"]  # the large one by its header alone, to be refused and recorded
    assert len(intake.taken[0]) < 2048 < intake.sizes[0] and b"x" * 100 not in intake.taken[0]
    assert dovecot.subjects("Processed") == ["Riesig", "Klein"]
    _print_round(worker.Round(mail=report))
    assert capsys.readouterr().out.splitlines() == ["mail: 1 accepted, 1 refused", f"mail: {refusal}"]


def test_without_moving_handled_mail_stays_in_the_folder_marked_and_is_not_taken_again(dovecot):
    dovecot.append(mail("Bleibt"))
    settings = dovecot.settings(SUPPORTFLOW_IMAP_MOVE="0")
    intake = Intake()
    assert poll_once(settings, intake).accepted == 1
    dovecot.append(mail("Später"))
    assert poll_once(settings, intake).accepted == 1
    assert intake.subjects() == ["Bleibt", "Später"]
    assert dovecot.subjects("INBOX") == ["Bleibt", "Später"] and dovecot.subjects("Processed") == []
    assert all({b"\\Seen", PROCESSED} <= flags for flags in dovecot.flags("INBOX"))


def test_a_server_without_move_gets_copy_and_expunge_and_one_without_idle_is_polled_by_the_clock(old_dovecot):
    old_dovecot.append(mail("Alter Server"))
    old_dovecot.append(mail("Bleibt noch"))
    intake = Intake({"Bleibt noch": "temporary"})
    mailbox = Mailbox(old_dovecot.settings(), intake)
    stop = threading.Event()
    mailbox.watch(stop)
    mailbox._watcher.join(WAIT_S)  # it learns that there is no IDLE and ends
    assert not mailbox._watcher.is_alive() and not mailbox.idling.is_set()
    assert mailbox.due()
    assert mailbox.poll().counts() == {"accepted": 1, "ignored": 0, "refused": 0, "temporary": 1}
    assert old_dovecot.subjects("INBOX") == ["Bleibt noch"]  # the other one's \Deleted copy expunged alone
    assert old_dovecot.subjects("Processed") == ["Alter Server"]
    assert not mailbox.due()  # the next poll: IMAP_INTERVAL seconds later


def test_idle_tells_the_mailbox_of_mail_as_it_arrives(dovecot):
    intake = Intake()
    mailbox = Mailbox(dovecot.settings(), intake)
    assert mailbox.poll().counts()["accepted"] == 0
    assert not mailbox.due()
    stop = threading.Event()
    mailbox.watch(stop)
    try:
        assert mailbox.idling.wait(WAIT_S), dovecot.log()
        dovecot.append(mail("Während IDLE"))
        assert mailbox.arrived.wait(WAIT_S) and mailbox.due()
        assert mailbox.poll().accepted == 1 and intake.subjects() == ["Während IDLE"]
        assert not mailbox.due()
    finally:
        stop.set()
        mailbox._watcher.join(WAIT_S)
    assert not mailbox._watcher.is_alive() and mailbox.arrived.is_set()  # its end ends the worker's rest too


def test_the_worker_takes_mail_in_as_soon_as_idle_tells_of_it(sf, dovecot, tmp_path):
    intake = Intake()
    mailbox = Mailbox(dovecot.settings(SUPPORTFLOW_IMAP_INTERVAL="3600"), intake)
    me = worker.WorkerIdentity("mail-worker", "host", 1, sf.clock.now())
    rounds: list[worker.Round] = []
    first_round_done, stop = threading.Event(), threading.Event()

    def report(done: worker.Round) -> None:
        rounds.append(done)
        first_round_done.set()

    thread = threading.Thread(target=worker.run, args=(sf, JsonLinesSender(tmp_path / "outbox.jsonl"), me),
                              kwargs={"interval_s": 3600, "stop": stop, "report": report, "mailbox": mailbox})
    thread.start()
    try:
        assert first_round_done.wait(WAIT_S) and mailbox.idling.wait(WAIT_S), dovecot.log()
        dovecot.append(mail("Bitte zurückrufen"))
        assert intake.called.wait(WAIT_S)  # neither interval (an hour) has passed: IDLE woke the worker
    finally:
        stop.set()
        thread.join(WAIT_S)
    assert not thread.is_alive()
    assert rounds[0].mail is not None and rounds[0].mail.counts()["accepted"] == 0  # the first round polls
    assert [r.mail.accepted for r in rounds[1:] if r.mail is not None] == [1]
    assert dovecot.subjects("Processed") == ["Bitte zurückrufen"]


@pytest.mark.parametrize("change, reason", [
    ({"SUPPORTFLOW_IMAP_PASSWORD": "wrong"}, "LoginError: [AUTHENTICATIONFAILED] Authentication failed."),
    ({"SUPPORTFLOW_MAIL_CA_FILE": ""}, "SSLCertVerificationError"),  # the system's authorities know no trustme
])
def test_a_mailbox_that_cannot_be_read_is_an_error_in_the_report_not_an_exception(dovecot, change, reason):
    dovecot.append(mail("Wartet"))
    intake = Intake()
    report = poll_once(dovecot.settings(**change), intake)
    [error] = report.errors
    assert error.startswith(f"The mailbox support@127.0.0.1:{dovecot.imap_port}/INBOX could not be read: ")
    assert reason in error
    assert intake.taken == [] and dovecot.subjects("INBOX") == ["Wartet"]


def test_a_server_that_is_not_there_is_an_error_in_the_report(dovecot):
    report = poll_once(dovecot.settings(SUPPORTFLOW_IMAP_PORT=str(free_port())), Intake())
    assert report.counts() == {"accepted": 0, "ignored": 0, "refused": 0, "temporary": 0}
    [error] = report.errors
    assert "could not be read: ConnectionRefusedError: [Errno 111] Connection refused" in error


def test_the_worker_round_counts_mail_for_the_metrics_and_prints_it(sf, dovecot, tmp_path, capsys):
    from prometheus_client import REGISTRY

    from webapp.metrics import PrometheusObserver

    def fetched(outcome: str) -> float:
        return REGISTRY.get_sample_value("supportflow_mail_fetched_total", {"outcome": outcome}) or 0.0

    sf.observer = PrometheusObserver()
    dovecot.append(mail("Gezählt"))
    dovecot.append(mail("Später noch einmal"))
    before = fetched("accepted"), fetched("temporary")
    me = worker.WorkerIdentity("w", "host", 1, sf.clock.now())
    mailbox = Mailbox(dovecot.settings(), Intake({"Später noch einmal": "temporary"}))
    done = worker.run_round(sf, JsonLinesSender(tmp_path / "outbox.jsonl"), me, mailbox)
    assert done.mail is not None and done.mail.counts() == {"accepted": 1, "ignored": 0, "refused": 0, "temporary": 1}
    assert (fetched("accepted"), fetched("temporary")) == (before[0] + 1, before[1] + 1)
    _print_round(done)
    assert capsys.readouterr().out == "mail: 1 accepted, 1 left for the next poll\n"
    assert worker.run_round(sf, JsonLinesSender(tmp_path / "outbox.jsonl"), me, mailbox).mail is None  # not due


def test_a_full_batch_says_more_and_the_mailbox_is_due_again_at_once(dovecot, monkeypatch):
    monkeypatch.setattr("engine.mailbox.BATCH", 2)
    for subject in ("Eins", "Zwei", "Drei"):
        dovecot.append(mail(subject))
    intake = Intake()
    mailbox = Mailbox(dovecot.settings(), intake)
    first = mailbox.poll()
    assert (first.accepted, first.more, mailbox.due()) == (2, True, True)
    second = mailbox.poll()
    assert (second.accepted, second.more, mailbox.due()) == (1, False, False)
    assert intake.subjects() == ["Eins", "Zwei", "Drei"]
