"""Fetching the support address's mail by IMAP (SUPPORTFLOW_IMAP_*): `poll_once` hands each new message to a
handler and then files it away; `Mailbox` is the worker's side of it, waiting in IDLE where the server offers it.

Never lost: a message is marked and moved only after the handler returned — and the handler (mail intake)
commits before it returns. A worker stopped in between leaves the message where it was, so the next poll hands
it over again, and intake ignores a Message-ID it already holds. The handler's outcome decides the rest:
`accepted`, `ignored` and `refused` mark the message read and $SupportflowProcessed, then move it into the
processed folder (MOVE where the server offers it, else COPY, \\Deleted and UID EXPUNGE); `temporary` leaves it
untouched, unread, for the next poll. With SUPPORTFLOW_IMAP_MOVE=0 handled mail stays in the folder, marked.
Each poll takes the messages without that keyword, oldest UID first.

A message larger than SUPPORTFLOW_MAIL_MAX_BYTES (by the server's RFC822.SIZE) is not downloaded: the handler gets
its header alone, with its size, to refuse and record it; it is named in the report with its sender, subject and
size, and filed away like any handled message, so that it stays readable in the processed folder and never blocks
the ones after it.

A handler is `handle(raw: bytes, size: int)` — the message and its size, or for one above the limit its header and
its size — returning one of OUTCOMES, or an object whose `.outcome` is one. Connection and
server failures, and a handler that raises, end up in the report's `errors`, never in an exception: the worker
goes on with its timers and outbox and tries the mailbox again on its next poll."""

import contextlib
import email.parser
import email.policy
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from engine.settings import Settings

OUTCOMES = ("accepted", "ignored", "refused", "temporary")
PROCESSED = b"$SupportflowProcessed"  # the keyword of every message a handler has taken
BATCH = 50  # messages per poll: the worker's round (timers, outbox, heartbeat) comes between batches
IDLE_CHECK_S = 1.0  # how long one wait in IDLE lasts before the watcher looks whether the worker stops
IDLE_RENEW_S = 25 * 60  # RFC 2177: servers may drop a client idle for 30 minutes
RECONNECT_S = 30.0  # the watcher's pause after its connection failed

Handler = Callable[[bytes, int], Any]


@dataclass
class PollReport:
    """What one poll did: messages per outcome, the ones refused for their size, and errors in words."""
    accepted: int = 0
    ignored: int = 0
    refused: int = 0
    temporary: int = 0
    too_large: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    more: bool = False  # the batch was full: more messages wait

    def counts(self) -> dict[str, int]:
        return {outcome: getattr(self, outcome) for outcome in OUTCOMES}


def poll_once(settings: Settings, handle: Handler) -> PollReport:
    """Hand every message of SUPPORTFLOW_IMAP_FOLDER not yet processed (at most BATCH) to `handle`, and file
    away those it took (see the module's docstring)."""
    report = PollReport()
    try:
        with connect(settings) as client:
            if settings.imap_move:
                ensure_folder(client, settings.imap_processed_folder)
            client.select_folder(settings.imap_folder)
            waiting = sorted(client.search(["NOT", "KEYWORD", PROCESSED.decode()]))
            report.more = len(waiting) > BATCH
            batch = waiting[:BATCH]
            sizes = client.fetch(batch, ["RFC822.SIZE"]) if batch else {}
            for uid in batch:
                if uid in sizes:  # else expunged meanwhile (by another worker, or a person)
                    _take(client, settings, handle, uid, sizes[uid][b"RFC822.SIZE"], report)
    except (IMAPClientError, OSError) as err:  # socket.timeout and ssl.SSLError are OSErrors
        report.errors.append(f"The mailbox {_where(settings)} could not be read: {_reason(err)}")
    return report


def connect(settings: Settings) -> IMAPClient:
    """A signed-in connection: TLS from the start (IMAP_SSL) or after STARTTLS (IMAP_STARTTLS), the server's
    certificate checked against SUPPORTFLOW_MAIL_CA_FILE or the system's authorities."""
    context = ssl.create_default_context(cafile=settings.mail_ca_file)
    client = IMAPClient(settings.imap_host, port=_port(settings), ssl=settings.imap_ssl, ssl_context=context,
                        timeout=settings.imap_timeout_s)
    try:
        if settings.imap_starttls:
            client.starttls(context)
        client.login(settings.imap_user or "", settings.imap_password or "")
    except BaseException:
        with contextlib.suppress(OSError, IMAPClientError):  # a failed TLS handshake closed the socket already
            client.shutdown()
        raise
    return client


def ensure_folder(client: IMAPClient, folder: str) -> None:
    """Create `folder` unless it is there; another worker creating it at the same moment is no error."""
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClientError:
        if not client.folder_exists(folder):
            raise


def _take(client: IMAPClient, settings: Settings, handle: Handler, uid: int, size: int, report: PollReport) -> None:
    if size > settings.mail_max_bytes:
        report.too_large.append(_too_large(client, uid, size, settings.mail_max_bytes))
        raw = client.fetch([uid], ["BODY.PEEK[HEADER]"])[uid][b"BODY[HEADER]"]  # enough to say whose mail it was
    else:
        raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]  # PEEK: a message left for later stays unread
    try:
        outcome = _outcome_of(handle(raw, size))
    except Exception as err:  # a failing handler must not stop the worker; the message waits for the next poll
        report.errors.append(f"Message UID {uid} could not be taken in and stays for the next poll: "
                             f"{type(err).__name__}: {err}")
        outcome = "temporary"
    setattr(report, outcome, getattr(report, outcome) + 1)
    if outcome != "temporary":
        _file_away(client, settings, uid)


def _outcome_of(answer: Any) -> str:
    outcome = getattr(answer, "outcome", answer)
    if outcome not in OUTCOMES:
        raise ValueError(f"the handler answered {outcome!r}, not one of {', '.join(OUTCOMES)}")
    return outcome


def _too_large(client: IMAPClient, uid: int, size: int, limit: int) -> str:
    """The refused message in words, from its header alone."""
    fetched = client.fetch([uid], ["BODY.PEEK[HEADER.FIELDS (FROM SUBJECT MESSAGE-ID)]"])[uid]
    header_block = next((value for key, value in fetched.items() if key.startswith(b"BODY[HEADER")), b"")
    headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(header_block)
    return (f"Message UID {uid} from {headers.get('From', 'an unknown sender')} ({headers.get('Subject', '')!r}, "
            f"{headers.get('Message-ID', 'no Message-ID')}) has {size} bytes, above the limit of {limit}: "
            "refused unread")


def _file_away(client: IMAPClient, settings: Settings, uid: int) -> None:
    client.add_flags([uid], [b"\\Seen", PROCESSED])
    if not settings.imap_move:
        return
    if client.has_capability("MOVE"):
        client.move([uid], settings.imap_processed_folder)
        return
    client.copy([uid], settings.imap_processed_folder)
    client.delete_messages([uid])
    if client.has_capability("UIDPLUS"):
        client.expunge([uid])
    else:  # without UIDPLUS EXPUNGE takes every message marked \Deleted in the folder
        client.expunge()


def _port(settings: Settings) -> int:
    return settings.imap_port or (993 if settings.imap_ssl else 143)


def _where(settings: Settings) -> str:
    return f"{settings.imap_user or ''}@{settings.imap_host}:{_port(settings)}/{settings.imap_folder}"


def _reason(err: Exception) -> str:
    """The error in words: the server's answer as text, also where imaplib passed on its bytes' repr."""
    words = str(err)
    if isinstance(err, IMAPClientError):
        words = " ".join(arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg) for arg in err.args)
    if quoted := re.fullmatch(r"b(['\"])(.*)\1", words):
        words = quoted.group(2)
    return f"{type(err).__name__}: {words or 'no reason given'}"


class Mailbox:
    """The worker's mailbox: `due()` on the first round, when the watcher saw mail arrive, and IMAP_INTERVAL
    seconds after the last poll; `poll()`; `watch(stop)` starts the watcher thread, which waits in IDLE on a
    connection of its own where the server offers it (and ends at once where it does not); `rest(stop, seconds)`
    is the worker's wait between rounds, cut short by arriving mail while the watcher watches."""

    def __init__(self, settings: Settings, handle: Handler):
        self.settings = settings
        self.handle = handle
        self.arrived = threading.Event()  # the watcher saw mail arrive (or the worker stops)
        self.idling = threading.Event()  # the watcher waits in IDLE right now
        self._next_poll = 0.0  # time.monotonic() of the next poll by the clock
        self._watcher: threading.Thread | None = None
        self._watch_errors: list[str] = []

    def due(self) -> bool:
        return self.arrived.is_set() or time.monotonic() >= self._next_poll

    def poll(self) -> PollReport:
        self.arrived.clear()  # mail arriving from now on wakes the next rest
        self._next_poll = time.monotonic() + self.settings.imap_interval_s
        report = poll_once(self.settings, self.handle)
        if report.more:
            self._next_poll = 0.0
        report.errors[:0], self._watch_errors = self._watch_errors, []
        return report

    def watch(self, stop: threading.Event) -> None:
        self._watcher = threading.Thread(target=self._watch, args=(stop,), name="mailbox-idle", daemon=True)
        self._watcher.start()

    def rest(self, stop: threading.Event, seconds: float) -> None:
        watching = self._watcher is not None and self._watcher.is_alive()
        (self.arrived if watching else stop).wait(seconds)

    def _watch(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    if not self._idle_until_stopped(stop):
                        return  # no IDLE at this server: the worker polls by the clock alone
                except (IMAPClientError, OSError) as err:
                    self.idling.clear()
                    self._watch_errors.append(f"Waiting for mail at {_where(self.settings)} failed, "
                                              f"retried in {RECONNECT_S:g} s: {_reason(err)}")
                    stop.wait(RECONNECT_S)
        finally:
            self.idling.clear()
            self.arrived.set()  # the worker's rest ends with its watcher

    def _idle_until_stopped(self, stop: threading.Event) -> bool:
        """Wait in IDLE until `stop`, ringing `arrived` at each EXISTS; False when the server has no IDLE."""
        with connect(self.settings) as client:
            if not client.has_capability("IDLE"):
                return False
            client.select_folder(self.settings.imap_folder, readonly=True)
            while not stop.is_set():
                client.idle()
                self.idling.set()
                renew_at = time.monotonic() + IDLE_RENEW_S
                while not stop.is_set() and time.monotonic() < renew_at:
                    if any(len(answer) > 1 and answer[1] == b"EXISTS"
                           for answer in client.idle_check(timeout=IDLE_CHECK_S)):
                        self.arrived.set()
                self.idling.clear()
                client.idle_done()
        return True
