"""`supportflow mail ingest` as an MTA runs it (a process reading the mail on standard input: exit 0 with the
ticket key, 0 with nothing for mail ignored, 65 refused, 75 try again), and what ops read of incoming mail."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.services.mail_intake import ingest

pytestmark = pytest.mark.processes  # runs the command in processes of its own

SUPPORTFLOW = Path(sys.executable).parent / "supportflow"
MAIL = (b"From: Clara Customer <customer@acme.example>\r\nTo: support@localhost\r\n"
        b"Subject: =?utf-8?q?Drucker_im_B=C3=BCro?=\r\nMessage-ID: <cli-1@mail.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nEr druckt nicht.\r\n")


def run(database: Path, mail: bytes, **environment) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SUPPORTFLOW_OUTBOX_FILE": str(database) + ".jsonl",
           **environment}
    return subprocess.run([str(SUPPORTFLOW), "mail", "ingest"], input=mail, capture_output=True, env=env,
                          timeout=120, check=False)


@pytest.fixture
def database(sqlite_template, tmp_path) -> Path:
    path = tmp_path / "mail.db"
    shutil.copy(sqlite_template, path)
    return path


def test_the_exit_codes_tell_the_mta_what_became_of_the_mail(database):
    accepted = run(database, MAIL)
    assert (accepted.returncode, accepted.stdout.decode().strip()) == (0, "SUP-1"), accepted.stderr
    duplicate = run(database, MAIL)
    assert (duplicate.returncode, duplicate.stdout, duplicate.stderr) == (0, b"", b"")
    auto = run(database, MAIL.replace(b"cli-1@", b"cli-2@").replace(b"Subject:", b"Auto-Submitted: auto-replied\r\n"
                                                                               b"Subject:"))
    assert (auto.returncode, auto.stdout) == (0, b"")
    garbage = run(database, b"\x00\xff" * 100)
    assert garbage.returncode == 65 and b"no sender" in garbage.stderr and garbage.stdout == b""
    large = run(database, MAIL.replace(b"cli-1@", b"cli-3@") + b"x" * 4096, SUPPORTFLOW_MAIL_MAX_BYTES="2048")
    assert large.returncode == 65 and b"limit" in large.stderr


def test_a_database_that_cannot_be_reached_is_a_temporary_failure(tmp_path):
    unreachable = run(tmp_path / "missing" / "no.db", MAIL, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:9/x")
    assert unreachable.returncode == 75 and b"try again" in unreachable.stderr.lower()
    unreadable_setting = run(tmp_path / "x.db", MAIL, SUPPORTFLOW_MAIL_MAX_BYTES="lots")
    assert unreadable_setting.returncode == 75 and b"SUPPORTFLOW_MAIL_MAX_BYTES" in unreadable_setting.stderr


def test_ops_read_every_mail_with_its_outcome_through_the_api(desk, sf):
    ingest(sf, MAIL)
    ingest(sf, MAIL.replace(b"cli-1@", b"cli-2@").replace(b"Subject:", b"Precedence: bulk\r\nSubject:"))
    ingest(sf, b"not a mail at all", source="imap")
    mails = desk.as_("ops").get("/ops/mail")
    assert [(m["outcome"], m["source"]) for m in mails] == [("refused", "imap"), ("ignored", "pipe"),
                                                            ("accepted", "pipe")]
    accepted = mails[-1]
    assert (accepted["from"], accepted["subject"], accepted["ticket_key"], accepted["message_id"]) == (
        "customer@acme.example", "Drucker im Büro", "SUP-1", "<cli-1@mail.example>")
    assert [m["outcome"] for m in desk.as_("ops").get("/ops/mail?outcome=refused")] == ["refused"]
    assert [m["id"] for m in desk.as_("ops").get(f"/ops/mail?before={mails[1]['id']}")] == [accepted["id"]]
    refused = desk.as_("ops").call("GET", "/ops/mail?outcome=lost", expect=422)
    assert "outcome" in refused["errors"]
