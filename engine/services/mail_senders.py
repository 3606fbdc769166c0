"""Who wrote an incoming mail: a known person by their address (whatever its case), else a new contact of the
organisation whose e-mail domain the address has (unless the organisation refuses new contacts by mail), else an
unknown sender — kept, when the desk says so (SUPPORTFLOW_MAIL_UNKNOWN_SENDERS=queue), as an inactive contact of
supportflow's own organisation "Unassigned senders", whose tickets only staff see, for triage."""

import re
from dataclasses import dataclass

from engine.i18n import known_language, lazy, said
from engine.mail_parse import ParsedMail
from engine.services import admin_trail
from engine.services.accounts import actor_of, unusable_password_hash
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.organisations import normal_domain
from engine.store import accounts as account_store
from engine.store import inbound_mail as mail_store
from engine.store import organisations as organisation_store
from engine.store import people
from engine.store.records import TicketRow

UNASSIGNED_SENDERS = "unassigned_senders"  # the builtin key of the organisation of unknown senders
UNASSIGNED_NAME = lazy("Unassigned senders")
UNASSIGNED_NOTES = lazy("Mail from addresses of no organisation, for triage (made by supportflow; its people are "
                        "inactive: only staff see its tickets).")
NEW_CONTACT_MODES = ("create", "refuse")  # an organisation's mail_new_contacts

DEACTIVATED = lazy("The sender {address} is deactivated.")
ORGANISATION_INACTIVE = lazy("The organisation of the sender {address} is inactive.")
NO_NEW_CONTACTS = lazy("The organisation {organisation} takes no mail from addresses it has not added "
                       "({address}).")
UNKNOWN_SENDER = lazy("The sender {address} belongs to no organisation, and mail of unknown senders is refused.")

_NOT_IN_USERNAME = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class Sender:
    """The person a mail is from, or why it is refused (`refusal`); `reply` says whether the refusal is told."""

    actor: Actor | None
    unassigned: bool = False  # an unknown sender, kept among the unassigned senders
    new_contact: bool = False
    refusal: str | None = None
    reply: bool = False  # tell the sender why (the friendly refusal)
    language: str | None = None


def sender_of(sf: Supportflow, conn, mail: ParsedMail, now) -> Sender:
    """The person the mail is from, made a contact where the rules say so, in the caller's transaction."""
    found = people.users_with_email(conn, mail.sender)
    if found:
        row = account_store.user_by_id(conn, found[0]["id"])
        assert row is not None  # found a moment ago
        unassigned = _is_unassigned(conn, row["organisation_id"])
        if not row["active"] and not unassigned:
            return Sender(None, refusal=said(DEACTIVATED, address=mail.sender))
        if row.get("organisation_active") is False:
            return Sender(None, refusal=said(ORGANISATION_INACTIVE, address=mail.sender))
        return Sender(actor_of(row), unassigned=unassigned, language=row["language"])
    organisation = _organisation_of_domain(conn, mail.sender.rpartition("@")[2])
    if organisation is not None:
        if organisation["mail_new_contacts"] == "refuse":
            return Sender(None, refusal=said(NO_NEW_CONTACTS, organisation=organisation["name"],
                                                               address=mail.sender), reply=True)
        return Sender(_new_contact(sf, conn, mail, organisation["id"], now, active=True), new_contact=True,
                      language=known_language(mail.language))
    if sf.settings.mail_unknown_senders == "refuse":
        return Sender(None, refusal=said(UNKNOWN_SENDER, address=mail.sender), reply=True,
                      language=known_language(mail.language))
    actor = _new_contact(sf, conn, mail, _unassigned_organisation(conn), now, active=False)
    return Sender(actor, unassigned=True, new_contact=True, language=known_language(mail.language))


def may_continue(sender: Sender, ticket: TicketRow) -> bool:
    """Whether the sender's mail continues this ticket's thread: staff on any ticket, a customer on their
    organisation's, an unknown sender on their own tickets only (all unassigned senders share one organisation)."""
    actor = sender.actor
    if actor is None:
        return False
    if sender.unassigned:
        return ticket["created_by"] == actor.id
    return actor.may_see_organisation(ticket["organisation_id"])


def _is_unassigned(conn, organisation_id: int | None) -> bool:
    return organisation_id is not None and organisation_id == mail_store.builtin_organisation(conn, UNASSIGNED_SENDERS)


def _organisation_of_domain(conn, domain: str) -> dict | None:
    wanted = normal_domain(domain)
    if wanted is None:
        return None
    for organisation in organisation_store.all_organisations(conn):
        if organisation["active"] and not organisation["builtin"] and wanted in (organisation["domains"] or []):
            return organisation
    return None


def _unassigned_organisation(conn) -> int:
    found = mail_store.builtin_organisation(conn, UNASSIGNED_SENDERS)
    if found is not None:
        return found
    return mail_store.insert_builtin_organisation(conn, key=UNASSIGNED_SENDERS, name=str(UNASSIGNED_NAME),
                                                  notes=str(UNASSIGNED_NOTES))


def _new_contact(sf: Supportflow, conn, mail: ParsedMail, organisation_id: int, now, *, active: bool) -> Actor:
    """A customer of the organisation with the mail's address and name, the mail's language, and no password: an
    active one signs in after asking for a password link (POST /auth/reset); an unknown sender's stays inactive.
    On the admin trail, made by the command line (no admin)."""
    username = _free_username(conn, mail.sender)
    name = mail.sender_name or mail.sender.partition("@")[0]
    user_id = people.insert_user(conn, username=username, display_name=name, email=mail.sender,
                                 password_hash=unusable_password_hash(), organisation_id=organisation_id,
                                 roles=["customer"], language=known_language(mail.language), created_at=now)
    if not active:
        people.update_user(conn, user_id, {"active": False})
    admin_trail.record(conn, now, None, "user_created", username,
                       {"name": name, "email": mail.sender, "roles": ["customer"], "by": "mail", "active": active})
    row = account_store.user_by_id(conn, user_id)
    assert row is not None  # inserted just now
    return actor_of(row)


def _free_username(conn, address: str) -> str:
    """The address's local part as a user name ("erika.muster"), with a number after it where that is taken."""
    local = _NOT_IN_USERNAME.sub("-", address.partition("@")[0].lower()).strip("._-")[:90] or "contact"
    base = local if len(local) >= 2 else f"{local}-mail"
    candidate, number = base, 1
    while mail_store.username_taken(conn, candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate
