"""Background work: due timers and the outbox are claimed by one worker each (FOR UPDATE SKIP LOCKED on
PostgreSQL), delivered through a Sender, and recorded; heartbeats; the worker command. In-process on every
backend; the last test runs 3 real worker processes against PostgreSQL."""

import email
import email.policy
import json
import os
import socket
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.senders import Delivery, JsonLinesSender, SmtpSender, sender_for
from engine.services import outbox, timers, worker
from engine.settings import Settings
from engine.store import instances as instance_store
from engine.store import jobs
from tests import processes
from tests.mailservers import SmtpListener
from webapp.cli import main

pytestmark = pytest.mark.processes  # evaluator processes, servers or a database of its own

TRIAGE_NEED_INFO = {"category": "bug", "priority": "normal", "outcome": "need_info",
                    "question": "Which steps lead to the error?"}


class RecordingSender:
    def __init__(self, fail_times: int = 0):
        self.sent: list[Delivery] = []
        self.fail_times = fail_times

    def send(self, delivery: Delivery) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionRefusedError("mail relay is down")
        self.sent.append(delivery)


def waiting_for_information(desk, count: int) -> list[str]:
    keys = []
    for _ in range(count):
        key = desk.submit()["key"]
        desk.complete(key, "triage", "support", **TRIAGE_NEED_INFO)
        keys.append(key)
    return keys


def test_three_workers_at_once_fire_each_due_timer_once(desk):
    keys = waiting_for_information(desk, 4)
    at = desk.clock.advance(days=31)
    desk._callers.clear()  # tokens live 12 hours: everyone signs in again
    results = []

    def work():
        results.extend(timers.run_due(desk.sf, at))

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.result for r in results) == ["fired"] * 8  # a reminder and a timeout per ticket
    for key in keys:
        assert desk.status(key) == ("closed", "abandoned")
        assert desk.outbox(key) == ["info_requested", "reminder", "abandoned"]
    assert processes.consistency_problems(desk.sf) == []
    assert timers.run_due(desk.sf, at) == []


def test_a_timer_step_that_loses_a_race_is_retried(desk, monkeypatch):
    [key] = waiting_for_information(desk, 1)
    real_update, lost = instance_store.update_instance, []

    def first_one_loses(conn, instance_id, expected, **values):
        if not lost:
            lost.append(instance_id)
            return False  # as if someone else had stepped the instance meanwhile
        return real_update(conn, instance_id, expected, **values)

    monkeypatch.setattr(instance_store, "update_instance", first_one_loses)
    fired = desk.later(days=15)
    assert lost and [t.result for t in fired] == ["fired"]
    assert desk.outbox(key) == ["info_requested", "reminder"]


def test_a_person_racing_a_timer_still_gets_a_conflict(desk, monkeypatch):
    [key] = waiting_for_information(desk, 1)
    task = desk.task(key, "provide_information", "customer")
    monkeypatch.setattr(instance_store, "update_instance", lambda *a, **k: False)
    desk.as_("customer").post(f"/tasks/{task['id']}/complete", {"data": {"information": "more"}}, expect=409)


def test_timers_of_a_suspended_instance_wait(desk):
    [key] = waiting_for_information(desk, 1)
    instance = desk.as_("ops").get(f"/instances?ticket={key}")[0]
    desk.as_("ops").post(f"/instances/{instance['id']}/suspend")
    assert desk.later(days=31) == []
    desk.as_("ops").post(f"/instances/{instance['id']}/resume")
    assert [t.result for t in timers.run_due(desk.sf)] == ["fired", "fired"]


def test_the_outbox_is_sent_once_and_marked_sent(desk):
    keys = waiting_for_information(desk, 3)
    sender = RecordingSender()
    report = outbox.deliver_pending(desk.sf, sender)
    assert (report.sent, report.failed) == (3, 0)
    assert [d.ticket_key for d in sender.sent] == keys
    assert sender.sent[0].recipients == ("customer@acme.example",)
    assert outbox.deliver_pending(desk.sf, sender).sent == 0
    rows = processes.outbox_rows(desk.sf)
    assert all(row["sent_at"] == desk.clock.now() and row["attempts"] == 1 for row in rows)


def test_a_failed_delivery_is_recorded_and_retried_with_backoff(desk):
    [key] = waiting_for_information(desk, 1)
    sender = RecordingSender(fail_times=2)
    assert outbox.deliver_pending(desk.sf, sender).failed == 1
    [row] = processes.outbox_rows(desk.sf)
    assert row["sent_at"] is None and row["attempts"] == 1
    assert row["last_error"] == "ConnectionRefusedError: mail relay is down"
    assert row["next_attempt_at"] == desk.clock.now() + timedelta(seconds=30)
    assert outbox.deliver_pending(desk.sf, sender).failed == 0  # not due again yet
    desk.clock.advance(seconds=31)
    assert outbox.deliver_pending(desk.sf, sender).failed == 1
    [row] = processes.outbox_rows(desk.sf)
    assert row["next_attempt_at"] == desk.clock.now() + timedelta(seconds=60)
    desk.clock.advance(seconds=61)
    assert outbox.deliver_pending(desk.sf, sender).sent == 1
    [row] = processes.outbox_rows(desk.sf)
    assert (row["attempts"], row["sent_at"]) == (3, desk.clock.now())
    assert [d.ticket_key for d in sender.sent] == [key]


def test_the_file_sink_holds_each_delivery_once_across_processes(tmp_path):
    path = tmp_path / "outbox.jsonl"
    first, second = JsonLinesSender(path), JsonLinesSender(path)  # as two worker processes would
    message = Delivery(7, "SUP-1", "answer", ("a@example.com",), "Subject", "Body")
    first.send(message)
    second.send(message)  # a worker killed after sending, before its commit: the next one sends again
    with open(path, "ab") as handle:
        handle.write(b'{"delivery_id": "outbox-8", "outb')  # a writer killed mid-line
    second.send(Delivery(9, "SUP-2", "answer", (), "S", "B"))
    first.send(Delivery(8, "SUP-3", "answer", (), "S", "B"))
    assert processes.sink_ids(path) == [7, 9, 8]
    assert json.loads(path.read_bytes().splitlines()[0])["delivery_id"] == "outbox-7"


def smtp_settings(listener, **environment: str) -> Settings:
    return Settings.from_environment({"SUPPORTFLOW_SMTP_HOST": "127.0.0.1", "SUPPORTFLOW_SMTP_PORT": str(listener.port),
                                      "SUPPORTFLOW_SMTP_FROM": "desk@example.com",
                                      "SUPPORTFLOW_SMTP_STARTTLS": "1" if listener.tls == "starttls" else "0",
                                      "SUPPORTFLOW_SMTP_SSL": "1" if listener.tls == "ssl" else "0",
                                      "SUPPORTFLOW_MAIL_CA_FILE": listener.ca_file.name} | environment)


def test_smtp_sender_sends_an_outbox_message_with_its_id_as_message_id(desk, smtp_listener, tmp_path):
    """Plain, with STARTTLS and with TLS from the start (the fixture's three listeners), certificate checked."""
    [key] = waiting_for_information(desk, 1)
    sender = sender_for(smtp_settings(smtp_listener), tmp_path)
    assert isinstance(sender, SmtpSender)
    assert outbox.deliver_pending(desk.sf, sender).sent == 1
    [row] = processes.outbox_rows(desk.sf)
    [received] = smtp_listener.received
    assert received.tls == (smtp_listener.tls is not None)
    assert (received.mail_from, received.recipients) == ("desk@example.com", row["recipients"])
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert message["Message-ID"] == row["message_id"] and row["message_id"].startswith(f"<outbox-{row['id']}@")
    assert (message["From"], message["To"], message["Subject"]) == ("desk@example.com", ", ".join(row["recipients"]),
                                                                     row["subject"])
    assert message["X-Supportflow-Ticket"] == key
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().splitlines() == row["body"].splitlines()


def test_smtp_sender_sends_umlauts_in_the_subject_encoded(smtp_listener, tmp_path):
    sender = sender_for(smtp_settings(smtp_listener), tmp_path)
    sender.send(Delivery(42, "SUP-3", "answer", ("joerg@example.com",), "SUP-3: Grüße für Jörg", "Hallo Jörg"))
    [received] = smtp_listener.received
    [subject_line] = [line for line in received.data.split(b"\r\n") if line.startswith(b"Subject: ")]
    assert subject_line.isascii() and b"=?utf-8?" in subject_line  # the header is 7-bit on the wire (RFC 2047)
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert message["Subject"] == "SUP-3: Grüße für Jörg" and message.get_content().splitlines() == ["Hallo Jörg"]


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_smtp_sender_refuses_a_server_whose_certificate_does_not_check_out(mail_ca, tls, tmp_path):
    listener = SmtpListener(mail_ca, tls=tls).start()
    try:
        sender = sender_for(smtp_settings(listener, SUPPORTFLOW_MAIL_CA_FILE=""), tmp_path)  # the system's CAs
        with pytest.raises(ssl.SSLCertVerificationError):
            sender.send(Delivery(43, None, "invitation", ("c@example.com",), "Welcome", "Hello"))
    finally:
        listener.stop()
    assert listener.received == []


def test_sender_defaults_to_the_file_sink(tmp_path):
    sender = sender_for(Settings.from_environment({}), tmp_path)
    assert isinstance(sender, JsonLinesSender) and sender.path == tmp_path / "var" / "outbox.jsonl"


def test_healthz_needs_database_schema_and_a_beating_worker(desk, monkeypatch):
    client = desk.client
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["reasons"] == ["no background worker has ever beaten (start `supportflow worker`)"]
    me = worker.WorkerIdentity("w1", "host", 123, desk.clock.now())
    worker.beat(desk.sf, me)
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"]["worker"] == {"ok": True, "heartbeat_age_s": 0.0, "live_workers": 1,
                                                       "max_age_s": 60.0}
    desk.clock.advance(seconds=61)
    response = client.get("/healthz")
    assert response.status_code == 503 and "no background worker beat within 60 s" in response.get_json()["reasons"][0]
    worker.beat(desk.sf, me)
    from engine.store import schema

    monkeypatch.setattr(schema, "head_revision", lambda: "9999")
    response = client.get("/healthz")
    assert response.status_code == 503 and "revision(s) 9999 pending" in response.get_json()["reasons"][0]


def test_metrics_count_steps_and_read_gauges_from_the_database(desk):
    [key] = waiting_for_information(desk, 1)
    task = desk.task(key, "provide_information", "customer")
    desk.as_("customer").post(f"/tasks/{task['id']}/complete", {"data": {"information": "x"}})
    desk.as_("customer").post(f"/tasks/{task['id']}/complete", {"data": {"information": "x"}}, expect=409)
    text = desk.client.get("/metrics").get_data(as_text=True)
    assert 'supportflow_steps_total{kind="task_completed",result="ok"}' in text
    assert 'supportflow_steps_total{kind="task_completed",result="conflict"}' in text
    assert 'supportflow_step_seconds_bucket{kind="task_completed",le="0.05"}' in text
    assert 'supportflow_open_tasks{role="support_master"} 1.0' in text
    # The customer's request for information, and the mail telling support (at once) of the customer's answer.
    assert "supportflow_outbox_backlog 2.0" in text and "supportflow_timers_due 0.0" in text
    assert 'supportflow_http_responses_total{code="409"}' in text
    assert "supportflow_worker_heartbeat_age_seconds NaN" in text


def test_worker_command_fires_sends_and_beats(desk, database_url, tmp_path, monkeypatch, capsys):
    desk.clock.set(datetime.now(UTC) - timedelta(days=31))  # the worker runs on the real clock
    waiting_for_information(desk, 2)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SUPPORTFLOW_OUTBOX_FILE", str(tmp_path / "sent.jsonl"))
    monkeypatch.delenv("SUPPORTFLOW_SMTP_HOST", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["worker", "--once"]) == 0
    out = capsys.readouterr().out
    assert out.count(": fired") == 4  # a reminder and a timeout per ticket
    assert "outbox: 6 sent, 0 failed" in out  # info_requested, reminder, abandoned per ticket
    assert len(processes.sink_ids(tmp_path / "sent.jsonl")) == 6
    with desk.sf.db.read() as conn:
        assert jobs.heartbeats(conn) == []  # a worker that stops says goodbye


def test_a_second_worker_on_sqlite_is_refused(desk, database_url, monkeypatch, capsys):
    if not database_url.startswith("sqlite"):
        pytest.skip("several workers are what PostgreSQL is for")
    with desk.sf.db.write() as conn:  # a live process on this host beat a moment ago
        now = datetime.now(UTC)
        jobs.beat(conn, name="first", hostname=socket.gethostname(), pid=os.getpid(), started_at=now, at=now,
                  rounds=1, timers_fired=0, messages_sent=0)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(worker, "run", lambda *a, **k: pytest.fail("a second worker started"))
    assert main(["worker", "--once"]) == 2
    assert "Worker first is already running on this SQLite database" in capsys.readouterr().err
    with desk.sf.db.write() as conn:  # one killed without a goodbye does not count
        jobs.beat(conn, name="first", hostname=socket.gethostname(), pid=2**22 + 1, started_at=now, at=now,
                  rounds=1, timers_fired=0, messages_sent=0)
    monkeypatch.setattr(worker, "run", lambda *a, **k: None)
    assert main(["worker", "--once"]) == 0


def test_gunicorn_refuses_several_workers_on_sqlite(tmp_path):
    port = processes.free_port()
    with pytest.raises(AssertionError, match="refusing to start: 2 web workers on SQLite"):
        processes.start_gunicorn(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, port, workers=2)


@pytest.mark.postgres
def test_three_worker_processes_fire_every_timer_and_send_every_message_once(postgres_only_url, tmp_path):
    sf = processes.engine_long_ago(postgres_only_url)
    keys = processes.tickets_waiting_for_information(sf, 12)
    workers = [processes.start_worker(postgres_only_url, tmp_path, f"w{n}") for n in range(3)]
    try:
        deadline = time.monotonic() + 30
        while processes.due_work(sf) != (0, 0) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for process in workers:
            processes.stop(process)
    assert processes.due_work(sf) == (0, 0)
    rows = processes.outbox_rows(sf)
    assert len(rows) == 3 * len(keys) and all(row["sent_at"] and row["attempts"] == 1 for row in rows)
    assert sorted(processes.sink_ids(tmp_path / "outbox.jsonl")) == [row["id"] for row in rows]
    assert processes.consistency_problems(sf) == []
    fired_by = [log.read_text().count(": fired") for log in sorted(tmp_path.glob("w*.log"))]
    assert sum(fired_by) == 2 * len(keys), fired_by
    sf.db.dispose()
