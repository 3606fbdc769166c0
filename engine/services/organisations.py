"""Organisations: as admins keep them (name, e-mail domains, the personal contact, notes, active), as a
support master captures calls for them, and as their customers see their contact person; and the display
names behind the user names the trail and the tasks carry."""

import re

from marshmallow import Schema, fields, validate

from engine.domain import MAX_ID
from engine.errors import InvalidInput, NotFound
from engine.i18n import lazy
from engine.services import admin_trail, search
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.store import accounts as account_store
from engine.store import organisations as organisation_store

NO_SUCH_ORGANISATION = lazy("There is no organisation {name!r}.")
NO_SUCH_STAFF = lazy("There is no active staff member {username}.")
NAME_TAKEN = lazy("There is an organisation {name!r} already.")
NAME_EMPTY = lazy("Give the organisation a name.")
BAD_DOMAIN = lazy("{domain!r} is not an e-mail domain such as example.com.")
DOMAIN_TAKEN = lazy("The domain {domain} belongs to {organisation} already.")
NO_STAFF = lazy("There is no active staff member {username!r} to be the contact person.")
NOT_A_LIST = lazy("Give the domains as a list, such as [\"example.com\"].")

MAX_DOMAINS = 50
# A host name of at least two labels, each of letters, digits and inner hyphens; the last one not all digits.
_DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!\d+$)[a-z0-9-]{2,63}$")


_DOMAINS = {"type": "array", "items": {"type": "string"}, "description": "E-mail domains such as example.com"}
# What a mail from an address of its domains that belongs to nobody yet does: a new contact, or a friendly refusal.
MAIL_NEW_CONTACTS = ("create", "refuse")
_MAIL_NEW_CONTACTS = {"description": "Mail from an unknown address of its domains: `create` a contact, or `refuse` "
                                     "it"}


class NewOrganisationSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    domains = fields.Raw(load_default=list, metadata=_DOMAINS)
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    mail_new_contacts = fields.String(load_default="create", validate=validate.OneOf(MAIL_NEW_CONTACTS),
                                      metadata=_MAIL_NEW_CONTACTS)


class OrganisationChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    domains = fields.Raw(metadata=_DOMAINS)
    contact = fields.String(allow_none=True, validate=validate.Length(max=100))
    notes = fields.String(validate=validate.Length(max=5000))
    active = fields.Boolean()
    mail_new_contacts = fields.String(validate=validate.OneOf(MAIL_NEW_CONTACTS), metadata=_MAIL_NEW_CONTACTS)


def normal_domain(text: str) -> str | None:
    """'Example.COM ' -> 'example.com', 'Müller.de' -> 'xn--mller-kva.de'; None for what is no domain name."""
    domain = text.strip().lower().rstrip(".").removeprefix("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return domain if _DOMAIN.match(domain) else None


def _domains(raw) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_DOMAINS:
        raise InvalidInput({"domains": [NOT_A_LIST]})
    found, problems = [], []
    for item in raw:
        domain = normal_domain(item) if isinstance(item, str) else None
        if domain is None:
            problems.append(BAD_DOMAIN.format(domain=item if isinstance(item, str) else str(item)[:100]))
        elif domain not in found:
            found.append(domain)
    if problems:
        raise InvalidInput({"domains": problems})
    return found


def view(row: dict) -> dict:
    return {"id": row["id"], "name": row["name"], "domains": list(row["domains"] or []), "contact": row["contact"],
            "contact_name": row["contact_name"], "notes": row["notes"], "active": row["active"],
            "mail_new_contacts": row["mail_new_contacts"], "builtin": row["builtin"]}


def _check(conn, values: dict, organisation_id: int | None) -> dict:
    """The columns for the values given (name, domains, contact, notes, active), or InvalidInput naming each
    problem: a name or a domain another organisation has, a contact who is no active staff member."""
    errors: dict[str, list[str]] = {}
    columns: dict = {key: values[key] for key in ("active", "mail_new_contacts") if key in values}
    if "notes" in values:
        columns["notes"] = values["notes"].strip()
    others = [o for o in organisation_store.all_organisations(conn) if o["id"] != organisation_id]
    for key, check in (("name", _name), ("domains", _free_domains), ("contact", _contact)):
        if key in values:
            try:
                columns.update(check(conn, values[key], others))
            except InvalidInput as err:
                errors.update(err.errors)
    if errors:
        raise InvalidInput(errors)
    return columns


def _name(_conn, raw: str, others: list[dict]) -> dict:
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput({"name": [NAME_EMPTY]})
    if any(o["name"].casefold() == name.casefold() for o in others):
        raise InvalidInput({"name": [NAME_TAKEN.format(name=name)]})
    return {"name": name}


def _free_domains(_conn, raw, others: list[dict]) -> dict:
    domains = _domains(raw)
    taken = [DOMAIN_TAKEN.format(domain=d, organisation=o["name"])
             for d in domains for o in others if d in (o["domains"] or [])]
    if taken:
        raise InvalidInput({"domains": taken})
    return {"domains": domains}


def _contact(conn, username: str | None, _others) -> dict:
    if not username or not username.strip():
        return {"contact_user_id": None}
    contact = account_store.user_by_username(conn, username.strip())
    if contact is None or not contact["active"] or not (set(contact["roles"]) - {"customer"}):
        raise InvalidInput({"contact": [NO_STAFF.format(username=username)]})
    return {"contact_user_id": contact["id"]}


def create_organisation(sf: Supportflow, actor: Actor, data) -> dict:
    actor.require("admin:organisations")
    values = load_input(NewOrganisationSchema(), data)
    with sf.db.write() as conn:
        columns = _check(conn, values, None)
        organisation_id = organisation_store.insert_organisation(
            conn, name=columns["name"], domains=columns["domains"], contact_user_id=columns["contact_user_id"],
            notes=columns["notes"], mail_new_contacts=columns["mail_new_contacts"])
        row = organisation_store.organisation_by_id(conn, organisation_id)
        assert row is not None  # inserted just now
        created = view(row)
        admin_trail.record(conn, sf.clock.now(), actor, "organisation_created", created["name"],
                           {key: created[key] for key in ("domains", "contact", "notes", "mail_new_contacts")})
    return created


def update_organisation(sf: Supportflow, actor: Actor, organisation_id: int, data) -> dict:
    actor.require("admin:organisations")
    values = load_input(OrganisationChangeSchema(), data)
    with sf.db.write() as conn:
        before = _organisation(conn, organisation_id)
        columns = _check(conn, values, organisation_id)
        organisation_store.update_organisation(conn, organisation_id, columns)
        row = organisation_store.organisation_by_id(conn, organisation_id)
        assert row is not None  # it was there a moment ago
        after = view(row)
        changed = admin_trail.changes(before, {key: after[key] for key in ("name", "domains", "contact", "notes",
                                                                            "active", "mail_new_contacts")})
        if changed:
            admin_trail.record(conn, sf.clock.now(), actor, "organisation_changed", after["name"], changed)
        if after["name"] != before["name"]:
            search.refresh_organisation(conn, organisation_id)  # its tickets are found by its name
    return after


def list_organisations(sf: Supportflow, actor: Actor) -> list[dict]:
    actor.require("admin:organisations")
    with sf.db.read() as conn:
        return [view(row) for row in organisation_store.all_organisations(conn)]


def organisation(sf: Supportflow, actor: Actor, organisation_id: int) -> dict:
    actor.require("admin:organisations")
    with sf.db.read() as conn:
        return _organisation(conn, organisation_id)


def _organisation(conn, organisation_id: int) -> dict:
    row = organisation_store.organisation_by_id(conn, organisation_id) if 0 < organisation_id <= MAX_ID else None
    if row is None:
        raise NotFound(NO_SUCH_ORGANISATION.format(name=organisation_id))
    return view(row)


def find_organisation(conn, reference) -> dict | None:
    """The organisation a reference names: its id (a number, or digits), else its exact name."""
    if isinstance(reference, bool):
        return None
    if isinstance(reference, int) or (isinstance(reference, str) and reference.strip().isascii()
                                      and reference.strip().isdigit()):
        number = int(reference)
        row = organisation_store.organisation_by_id(conn, number) if 0 < number <= MAX_ID else None
        if row is not None or isinstance(reference, int):
            return row
    if isinstance(reference, str) and reference.strip():
        return organisation_store.organisation_by_name(conn, reference.strip())
    return None


def customer_organisations(sf: Supportflow, actor: Actor) -> list[str]:
    """The names of the active organisations that have customers; only support masters capture for them."""
    actor.require("ticket:capture")
    with sf.db.read() as conn:
        return organisation_store.names_with_customers(conn)


def contact_of(sf: Supportflow, organisation_id: int | None) -> dict | None:
    """{name, email} of the organisation's contact person, or None when it has none."""
    if organisation_id is None:
        return None
    with sf.db.read() as conn:
        row = organisation_store.organisation_by_id(conn, organisation_id)
    if row is None or row["contact"] is None or not row["contact_active"]:
        return None  # a deactivated contact is nobody's contact any more
    return {"name": row["contact_name"], "email": row["contact_email"]}


def display_names(sf: Supportflow, usernames) -> dict[str, str]:
    """{user name: display name} for those that exist; the caller falls back to the user name."""
    wanted = {name for name in usernames if name}
    with sf.db.read() as conn:
        return organisation_store.display_names_by_username(conn, wanted)


def set_contact(sf: Supportflow, organisation_name: str, username: str | None) -> None:
    """Make `username` (an active staff member; None: nobody) the agency's contact person for the organisation:
    its tickets' tasks are suggested to them. Whoever calls this has decided it may be done (the admin service)."""
    with sf.db.write() as conn:
        organisation_id = account_store.organisation_id(conn, organisation_name)
        if organisation_id is None:
            raise InvalidInput({"organisation": [NO_SUCH_ORGANISATION.format(name=organisation_name)]})
        user_id = None
        if username is not None:
            user = account_store.user_by_username(conn, username)
            if user is None or not user["active"] or set(user["roles"]) <= {"customer"}:
                raise InvalidInput({"contact": [NO_SUCH_STAFF.format(username=username)]})
            user_id = user["id"]
        organisation_store.update_organisation(conn, organisation_id, {"contact_user_id": user_id})
