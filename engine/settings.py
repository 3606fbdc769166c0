"""Every setting supportflow reads from its environment, in one frozen record read once at start.

`Settings.from_environment()` is called by the composition roots only (`open_supportflow`, gunicorn's
configuration); everything else receives the Settings, or the part it needs. An unset or empty variable means
its default; a value that cannot be read stops the start with a sentence naming the variable. The README's
table of settings lists the same variables with the same defaults (a test compares the two)."""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from babel import numbers

from engine.errors import SupportflowError


class SettingError(SupportflowError, ValueError):
    """An environment variable holds a value supportflow cannot use."""


def _text(name: str, raw: str) -> str:
    return raw


def _whole_number(low: int, high: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        raw = raw.strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise SettingError(f"{name} must be a whole number from {low} to {high}, not {raw!r}.")
        return int(raw)
    return parse


def _seconds(name: str, raw: str) -> float:
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number of seconds such as 60 or 2.5, not {raw!r}.") from None
    if not 0 < value < float("inf"):
        raise SettingError(f"{name} must be a number of seconds above 0, not {raw!r}.")
    return value


_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(name: str, raw: str) -> bool:
    raw = raw.strip()
    if raw.lower() not in _YES + _NO:
        raise SettingError(f"{name} must be one of {', '.join(_YES + _NO)}, not {raw!r}.")
    return raw.lower() in _YES


def _choice(*choices: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise SettingError(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
        return value
    return parse


def _setting(variable: str, default: Any, meaning: str, parse=_text, shown: str | None = None, secret=False):
    """One field of Settings: its variable, its default (`shown` in words where it is worked out at start),
    what it means, and how its text is read. A secret is left out of the record's repr (logs, tracebacks)."""
    return field(default=default, repr=not secret, metadata={"variable": variable, "meaning": meaning, "parse": parse,
                                            "shown": shown if shown is not None else str(default)})


_PORT = _whole_number(1, 65535)


def _currency(name: str, raw: str) -> str:
    """An ISO 4217 code babel knows (EUR, CHF, USD, ...), in capitals."""
    code = raw.strip().upper()
    if len(code) != 3 or not code.isalpha() or not numbers.is_currency(code):
        raise SettingError(f"{name} must be an ISO 4217 currency code such as EUR, CHF or USD, not {raw!r}.")
    return code


@dataclass(frozen=True)
class Settings:
    database_url: str | None = _setting(
        "DATABASE_URL", None, "The database: `postgresql+psycopg://USER@HOST:5432/DB` or `sqlite:///PATH`.",
        shown="SQLite file var/supportflow.db")
    secret_key: str | None = _setting(
        "SECRET_KEY", None, "Signs session cookies; processes serving together must share it.",
        shown="one kept in var/secret_key", secret=True)
    host: str = _setting(
        "HOST", "127.0.0.1", "Address the web server listens on; off loopback, session cookies need HTTPS.")
    port: int = _setting("PORT", 5000, "Port the web server listens on.", _PORT)
    web_concurrency: int = _setting(
        "WEB_CONCURRENCY", 2, "gunicorn worker processes (more than one needs PostgreSQL).", _whole_number(1, 256))
    gunicorn_threads: int = _setting(
        "GUNICORN_THREADS", 4, "Threads in each gunicorn worker.", _whole_number(1, 1024))
    gunicorn_timeout: int = _setting(
        "GUNICORN_TIMEOUT", 30, "Seconds gunicorn lets one request run before it restarts the worker.",
        _whole_number(1, 86400))
    gunicorn_access_log: str | None = _setting(
        "GUNICORN_ACCESS_LOG", None, "Where gunicorn logs each request (`-`: standard output).", shown="none")
    trusted_proxies: int = _setting(
        "SUPPORTFLOW_TRUSTED_PROXIES", 0,
        "Reverse proxies in front of supportflow, whose X-Forwarded-For and -Proto are believed.",
        _whole_number(0, 16))
    prometheus_multiproc_dir: str | None = _setting(
        "PROMETHEUS_MULTIPROC_DIR", None,
        "Directory where several processes add up their Prometheus counters (`make serve-pg` sets it).",
        shown="none (this process only)")
    worker_name: str | None = _setting(
        "WORKER_NAME", None, "The background worker's name in its heartbeat.", shown="HOSTNAME:PID")
    heartbeat_max_age_s: float = _setting(
        "SUPPORTFLOW_HEARTBEAT_MAX_AGE", 60.0,
        "Seconds since a worker's last heartbeat after which it counts as gone (/healthz, the SQLite check).",
        _seconds, shown="60")
    evaluators: int = _setting(
        "SUPPORTFLOW_EVALUATORS", 2, "Evaluator processes running diagram code, per server process.",
        _whole_number(1, 64))
    script_memory_mb: int = _setting(
        "SUPPORTFLOW_SCRIPT_MEMORY_MB", 256, "Memory limit of each evaluator process, in MB.",
        _whole_number(32, 1024 * 1024))
    currency: str = _setting(
        "SUPPORTFLOW_CURRENCY", "EUR", "Currency of offers and invoices (ISO 4217); each invoice keeps its own.",
        _currency)
    smtp_host: str | None = _setting(
        "SUPPORTFLOW_SMTP_HOST", None, "Mail server; when set, the outbox is sent by SMTP.",
        shown="none (the outbox file)")
    smtp_port: int | None = _setting(
        "SUPPORTFLOW_SMTP_PORT", None, "Mail server port.", _PORT, shown="25, or 465 with SMTP_SSL")
    smtp_user: str | None = _setting("SUPPORTFLOW_SMTP_USER", None, "User name at the mail server.", shown="none")
    smtp_password: str | None = _setting(
        "SUPPORTFLOW_SMTP_PASSWORD", None, "Password at the mail server.", shown="none", secret=True)
    smtp_from: str = _setting("SUPPORTFLOW_SMTP_FROM", "support@localhost", "Sender address of the mail.")
    support_address: str | None = _setting(
        "SUPPORTFLOW_SUPPORT_ADDRESS", None, "The address customers write to: the Reply-To of every mail.",
        shown="SUPPORTFLOW_SMTP_FROM")
    smtp_starttls: bool = _setting(
        "SUPPORTFLOW_SMTP_STARTTLS", False, "Upgrade the SMTP connection with STARTTLS (1/0).", _flag, shown="0")
    smtp_ssl: bool = _setting(
        "SUPPORTFLOW_SMTP_SSL", False, "Connect to the mail server over TLS from the start (1/0).", _flag,
        shown="0")
    imap_host: str | None = _setting(
        "SUPPORTFLOW_IMAP_HOST", None,
        "Mailbox server; when set, the worker fetches the support address's mail by IMAP.", shown="none (no mailbox)")
    imap_port: int | None = _setting(
        "SUPPORTFLOW_IMAP_PORT", None, "Mailbox server port.", _PORT, shown="143, or 993 with IMAP_SSL")
    imap_user: str | None = _setting("SUPPORTFLOW_IMAP_USER", None, "User name at the mailbox server.", shown="none")
    imap_password: str | None = _setting(
        "SUPPORTFLOW_IMAP_PASSWORD", None, "Password at the mailbox server.", shown="none", secret=True)
    imap_starttls: bool = _setting(
        "SUPPORTFLOW_IMAP_STARTTLS", False, "Upgrade the IMAP connection with STARTTLS (1/0).", _flag, shown="0")
    imap_ssl: bool = _setting(
        "SUPPORTFLOW_IMAP_SSL", False, "Connect to the mailbox server over TLS from the start (1/0).", _flag,
        shown="0")
    imap_folder: str = _setting("SUPPORTFLOW_IMAP_FOLDER", "INBOX", "The folder new mail arrives in.")
    imap_move: bool = _setting(
        "SUPPORTFLOW_IMAP_MOVE", True,
        "Move handled mail into IMAP_PROCESSED_FOLDER (1), or leave it in IMAP_FOLDER, marked read and flagged "
        "$SupportflowProcessed (0).", _flag, shown="1")
    imap_processed_folder: str = _setting(
        "SUPPORTFLOW_IMAP_PROCESSED_FOLDER", "Processed", "Where handled mail goes (created when missing).")
    imap_interval_s: float = _setting(
        "SUPPORTFLOW_IMAP_INTERVAL", 60.0,
        "Seconds between polls of the mailbox; with IDLE the worker also polls as soon as mail arrives.",
        _seconds, shown="60")
    imap_timeout_s: float = _setting(
        "SUPPORTFLOW_IMAP_TIMEOUT", 30.0, "Seconds the worker waits for the mailbox server to answer.", _seconds,
        shown="30")
    mail_max_bytes: int = _setting(
        "SUPPORTFLOW_MAIL_MAX_BYTES", 25 * 1024 * 1024,
        "Largest incoming mail taken in, in bytes; a larger one is refused unread.", _whole_number(1024, 2**40),
        shown="26214400 (25 MB)")
    mail_ca_file: str | None = _setting(
        "SUPPORTFLOW_MAIL_CA_FILE", None,
        "PEM file of the certificate authorities the SMTP and IMAP servers' certificates are checked against.",
        shown="the system's")
    base_url: str = _setting(
        "SUPPORTFLOW_BASE_URL", "http://127.0.0.1:5000",
        "The address people reach supportflow at: the links in invitation and password mails start with it.")
    outbox_file: str | None = _setting(
        "SUPPORTFLOW_OUTBOX_FILE", None, "JSON-lines file the outbox is written to when no mail server is set.",
        shown="var/outbox.jsonl")
    digest_hour: int = _setting(
        "SUPPORTFLOW_DIGEST_HOUR", 7,
        "Hour of the day (0-23, Europe/Berlin) the worker mails staff their daily digest of notifications.",
        _whole_number(0, 23))
    mail_unknown_senders: str = _setting(
        "SUPPORTFLOW_MAIL_UNKNOWN_SENDERS", "queue",
        "Mail from an address of no organisation: `queue` opens a ticket among the unassigned senders for triage, "
        "`refuse` answers with a friendly refusal.", _choice("queue", "refuse"))
    mail_max_attachments: int = _setting(
        "SUPPORTFLOW_MAIL_MAX_ATTACHMENTS", 20,
        "Most files taken from one incoming mail; the others are named in the reply as not accepted.",
        _whole_number(0, 1000))
    mail_auto_replies_per_hour: int = _setting(
        "SUPPORTFLOW_MAIL_AUTO_REPLIES_PER_HOUR", 5,
        "Most automatic replies (acknowledgements, refusals) one sender gets in an hour: no mail loop grows.",
        _whole_number(0, 1000))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Each variable read once (unset, empty or blank: its default); raises SettingError naming the first
        one that cannot be read. Text is taken as it is (a password may end in a space)."""
        values = {}
        for spec in fields(cls):
            raw = environ.get(spec.metadata["variable"]) or ""
            if raw.strip():
                values[spec.name] = spec.metadata["parse"](spec.metadata["variable"], raw)
        return cls(**values)

    @property
    def database(self) -> str:
        """DATABASE_URL, or the SQLite file var/supportflow.db in the working directory."""
        return self.database_url or f"sqlite:///{Path.cwd() / 'var' / 'supportflow.db'}"


def documented() -> list[tuple[str, str, str]]:
    """(variable, default in words, meaning) of every setting, in the order of the README's table."""
    return [(spec.metadata["variable"], spec.metadata["shown"], spec.metadata["meaning"]) for spec in fields(Settings)]
