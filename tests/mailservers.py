"""Real mail servers for the tests: a Dovecot of their own (Debian's dovecot-imapd, which the Makefile installs)
with its own configuration, certificate and free ports in a directory of its own — never the system's service on
port 143 — and an aiosmtpd SMTP listener that keeps what it is sent. Both present certificates of one trustme
authority, whose PEM file the settings name as SUPPORTFLOW_MAIL_CA_FILE."""

import email
import email.policy
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SmtpProtocol
from aiosmtpd.smtp import Envelope, Session
from imapclient import IMAPClient

from engine.settings import Settings

DOVECOT = Path("/usr/sbin/dovecot")
USER, PASSWORD = "support", "mailbox-secret"
STARTUP_S = 20.0  # how long a server may take to start listening
# What Dovecot 2.3 announces after sign-in, less MOVE and IDLE: a server of the older kind.
WITHOUT_MOVE_OR_IDLE = ("IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
                        "THREAD=REFS MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 "
                        "CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY LITERAL+")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen | None = None) -> None:
    """Wait for a server starting up to accept connections on 127.0.0.1:`port` (a real server, not a timer)."""
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server stopped at once with exit code {process.returncode}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Dovecot:
    """One Dovecot instance: a user USER with PASSWORD and a maildir; `imap_port` plain (STARTTLS offered),
    `imaps_port` TLS from the start. `capabilities` replaces what it announces after sign-in."""

    def __init__(self, ca: trustme.CA, capabilities: str | None = None):
        self.ca = ca
        self.capabilities = capabilities
        self.root = Path(tempfile.mkdtemp(prefix="supportflow-dovecot-"))
        self.imap_port, self.imaps_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> "Dovecot":
        self._write_configuration()
        self.process = subprocess.Popen([str(DOVECOT), "-F", "-c", str(self.root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            wait_until_listening(self.imap_port, self.process)
            wait_until_listening(self.imaps_port, self.process)
        except BaseException:
            self.stop()
            raise RuntimeError(f"Dovecot did not start; its log:\n{self.log()}") from None
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=STARTUP_S)
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def settings(self, **environment: str) -> Settings:
        """The worker's settings for this mailbox: STARTTLS on the plain port unless `environment` says
        otherwise (variables as in the environment, e.g. SUPPORTFLOW_IMAP_SSL="1")."""
        values = {"SUPPORTFLOW_IMAP_HOST": "127.0.0.1", "SUPPORTFLOW_IMAP_PORT": str(self.imap_port),
                  "SUPPORTFLOW_IMAP_USER": USER, "SUPPORTFLOW_IMAP_PASSWORD": PASSWORD,
                  "SUPPORTFLOW_IMAP_STARTTLS": "1", "SUPPORTFLOW_MAIL_CA_FILE": str(self.root / "ca.pem")}
        return Settings.from_environment(values | environment)

    def client(self) -> IMAPClient:
        """A connection of the test's own, signed in after STARTTLS."""
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=10)
        client.starttls(ssl.create_default_context(cafile=str(self.root / "ca.pem")))
        client.login(USER, PASSWORD)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message the way a mail client files one: IMAP APPEND."""
        with self.client() as client:
            client.append(folder, raw)

    def subjects(self, folder: str) -> list[str]:
        """The subjects in `folder`, oldest UID first (a folder that does not exist: none)."""
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]) if uids else {}
        return [str(email.message_from_bytes(fetched[uid][b"BODY[HEADER.FIELDS (SUBJECT)]"],
                                             policy=email.policy.default)["Subject"]) for uid in uids]

    def flags(self, folder: str) -> list[set[bytes]]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search(["ALL"]))
            return [set(client.get_flags(uids)[uid]) for uid in uids] if uids else []

    def _write_configuration(self) -> None:
        self.root.chmod(0o711)  # the mail user (not root) reaches its home below
        (self.root / "run").mkdir()
        (self.root / "state").mkdir()
        home = self.root / "home"
        home.mkdir()
        if os.getuid() == 0:  # Dovecot gives no mail access as root: the mail belongs to nobody
            mail_user, internal_user, login_user = pwd.getpwnam("nobody"), "dovecot", "dovenull"
            os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
        else:  # a user's own Dovecot runs every process as that user
            mail_user = pwd.getpwuid(os.getuid())
            internal_user = login_user = mail_user.pw_name
        certificate = self.ca.issue_cert("127.0.0.1", "localhost")
        certificate.private_key_pem.write_to_path(str(self.root / "key.pem"))
        certificate.cert_chain_pems[0].write_to_path(str(self.root / "cert.pem"))
        self.ca.cert_pem.write_to_path(str(self.root / "ca.pem"))
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        capability = f"imap_capability = {self.capabilities}" if self.capabilities else ""
        (self.root / "dovecot.conf").write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{self.root}/cert.pem
ssl_key = <{self.root}/key.pem
auth_mechanisms = plain
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
# IDLE tells of new mail through inotify; where that is missing, Dovecot looks this often instead.
mailbox_idle_check_interval = 1 secs
first_valid_uid = {mail_user.pw_uid}
default_internal_user = {internal_user}
default_login_user = {login_user}
{capability}
service imap-login {{
  inet_listener imap {{
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = {self.imaps_port}
    ssl = yes
  }}
}}
""")


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    data: bytes
    tls: bool  # the session ran over TLS (from the start or after STARTTLS)


@dataclass
class _Keeper:
    received: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server: SmtpProtocol, session: Session, envelope: Envelope) -> str:
        self.received.append(ReceivedMail(envelope.mail_from or "", list(envelope.rcpt_tos),
                                          envelope.original_content or b"",
                                          server.transport.get_extra_info("ssl_object") is not None))
        return "250 Message accepted for delivery"


class SmtpListener:
    """aiosmtpd on a free port of 127.0.0.1, keeping every message in `received`: STARTTLS offered
    (`tls="starttls"`), TLS from the start (`tls="ssl"`), or neither."""

    def __init__(self, ca: trustme.CA, tls: str | None = None):
        self.tls = tls
        self.keeper = _Keeper()
        self.port = free_port()
        self.ca_file = tempfile.NamedTemporaryFile(suffix=".pem", delete=False)  # noqa: SIM115 (removed at stop)
        ca.cert_pem.write_to_path(self.ca_file.name)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        options: dict = {"tls_context": context} if tls == "starttls" else {}
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port,
                                     ssl_context=context if tls == "ssl" else None, **options)

    @property
    def received(self) -> list[ReceivedMail]:
        return self.keeper.received

    def start(self) -> "SmtpListener":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        os.unlink(self.ca_file.name)
