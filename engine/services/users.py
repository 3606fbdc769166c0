"""People as admins keep them: invite staff and customers (the invitation mail carries a single-use link where
they choose their password), change their names, roles, organisation and language, deactivate and reactivate
them. Deactivating stops sign-in at once: their tokens are revoked, their links expire, and the open tasks
they held go back to their role's inbox. Every change is on the admin trail."""

import re

from marshmallow import Schema, ValidationError, fields, validate

from engine.domain import ROLES, STAFF_ROLES, audit_event
from engine.errors import Conflict, InvalidInput, NotFound
from engine.i18n import LANGUAGES, lazy
from engine.services import admin_trail, links, password_policy
from engine.services.accounts import hash_password, unusable_password_hash
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.services.inputs import load_input
from engine.services.organisations import find_organisation
from engine.store import history, people

NO_USER = lazy("There is no user {username!r}.")
USERNAME_TAKEN = lazy("The user name {username!r} is taken.")
EMAIL_TAKEN = lazy("Another person has the e-mail address {email} already.")
BAD_USERNAME = lazy("A user name has 2 to 100 letters, digits, dots, hyphens or underscores, and starts with a "
                    "letter or digit.")
UNKNOWN_ROLE = lazy("Unknown role {role!r}; the roles are {roles}.")
NO_ROLES = lazy("Give the person at least one role.")
CUSTOMER_NEEDS_ORGANISATION = lazy("A customer belongs to an organisation; name it.")
STAFF_HAVE_NO_ORGANISATION = lazy("Only customers belong to an organisation; staff have none.")
CUSTOMER_OR_STAFF = lazy("A person is a customer or staff, not both.")
NO_ORGANISATION = lazy("There is no organisation {name!r}.")
INACTIVE_ORGANISATION = lazy("The organisation {name} is inactive; reactivate it first.")
NOT_YOURSELF = lazy("You cannot deactivate yourself; another admin can.")
KEEP_ADMIN = lazy("You cannot take away your own admin role; another admin can.")
NOT_ACTIVE = lazy("{username} is deactivated; reactivate them before sending an invitation.")
NAME_EMPTY = lazy("Give the person's name.")

_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,99}$")


def _known_roles(roles: list[str]) -> None:
    """Every problem of a list of roles, for marshmallow to name beside the other fields' problems."""
    problems = [UNKNOWN_ROLE.format(role=role, roles=", ".join(ROLES)) for role in roles if role not in ROLES]
    if not roles:
        problems.append(NO_ROLES)
    elif "customer" in roles and set(roles) & STAFF_ROLES:
        problems.append(CUSTOMER_OR_STAFF)
    if problems:
        raise ValidationError(problems)


def _roles_field(**options) -> fields.List:
    return fields.List(fields.String(validate=validate.Length(max=50)), validate=[
        validate.Length(max=len(ROLES)), _known_roles], **options)


_ORGANISATION = {"description": "A customer's organisation: its id or its exact name"}
_USERNAME_VALID = validate.Regexp(_USERNAME, error=BAD_USERNAME)


class NewUserSchema(Schema):
    username = fields.String(required=True, validate=_USERNAME_VALID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=200))
    roles = _roles_field(required=True)
    organisation = fields.Raw(load_default=None, allow_none=True, metadata=_ORGANISATION)
    language = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LANGUAGES))


class UserChangeSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(validate=validate.Length(max=200))
    roles = _roles_field()
    organisation = fields.Raw(allow_none=True, metadata=_ORGANISATION)
    language = fields.String(allow_none=True, validate=validate.OneOf(LANGUAGES))
    active = fields.Boolean()


class UserFilterSchema(Schema):
    organisation = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    active = fields.Boolean(load_default=None)


def view(row: dict) -> dict:
    return {"username": row["username"], "name": row["display_name"], "email": row["email"],
            "roles": list(row["roles"]), "organisation": row["organisation"],
            "organisation_id": row["organisation_id"], "language": row["language"], "active": row["active"],
            "created_at": row["created_at"].isoformat() if row["created_at"] else None,
            # The last mail to them that came back (a bounce), and why: staff see it beside the address.
            "mail_bounced_at": row["mail_bounced_at"].isoformat() if row.get("mail_bounced_at") else None,
            "mail_bounce_reason": row.get("mail_bounce_reason")}


def _roles(roles: list[str]) -> list[str]:
    return sorted(set(roles))  # checked by the schema (_known_roles)


def _organisation_id(conn, roles: list[str], reference, current: int | None, given: bool) -> int | None:
    """The organisation the person belongs to with these roles: a customer's (given now, or kept), none for
    staff (given one is an error)."""
    if "customer" not in roles:
        if given and reference not in (None, ""):
            raise InvalidInput({"organisation": [STAFF_HAVE_NO_ORGANISATION]})
        return None
    if not given:
        if current is None:
            raise InvalidInput({"organisation": [CUSTOMER_NEEDS_ORGANISATION]})
        return current
    if reference in (None, ""):
        raise InvalidInput({"organisation": [CUSTOMER_NEEDS_ORGANISATION]})
    found = find_organisation(conn, reference)
    if found is None:
        raise InvalidInput({"organisation": [NO_ORGANISATION.format(name=str(reference)[:200])]})
    if not found["active"] and found["id"] != current:
        raise InvalidInput({"organisation": [INACTIVE_ORGANISATION.format(name=found["name"])]})
    return found["id"]


def _email_free(conn, email: str, user_id: int | None) -> None:
    if any(other["id"] != user_id for other in people.users_with_email(conn, email)):
        raise InvalidInput({"email": [EMAIL_TAKEN.format(email=email)]})


def invite_user(sf: Supportflow, actor: Actor, data) -> dict:
    """Create a person ({username, name, email, roles, organisation?, language?}) and mail them an invitation."""
    actor.require("admin:users")
    values = load_input(NewUserSchema(), data)
    username, name = values["username"], " ".join(values["name"].split())
    if not name:
        raise InvalidInput({"name": [NAME_EMPTY]})
    roles = _roles(values["roles"])
    now = sf.clock.now()
    with sf.db.write() as conn:
        if people.user_record(conn, username) is not None:
            raise InvalidInput({"username": [USERNAME_TAKEN.format(username=username)]})
        _email_free(conn, values["email"], None)
        organisation_id = _organisation_id(conn, roles, values["organisation"], None, True)
        people.insert_user(conn, username=username, display_name=name, email=values["email"],
                           password_hash=unusable_password_hash(), organisation_id=organisation_id, roles=roles,
                           language=values["language"], created_at=now)
        row = people.user_record(conn, username)
        assert row is not None  # inserted just now
        links.mail_link(sf, conn, row, "invite", now)
        created = view(row)
        admin_trail.record(conn, now, actor, "user_invited", username,
                           {key: created[key] for key in ("name", "email", "roles", "organisation", "language")})
    return created


def list_users(sf: Supportflow, actor: Actor, filters) -> list[dict]:
    actor.require("admin:users")
    options = load_input(UserFilterSchema(), filters)
    with sf.db.read() as conn:
        organisation_id = None
        if options["organisation"] is not None:
            found = find_organisation(conn, options["organisation"])
            if found is None:
                return []
            organisation_id = found["id"]
        rows = people.list_users(conn, organisation_id=organisation_id, role=options["role"],
                                 active=options["active"])
    return [view(row) for row in rows]


def user(sf: Supportflow, actor: Actor, username: str) -> dict:
    actor.require("admin:users")
    with sf.db.read() as conn:
        return view(_user(conn, username))


def _user(conn, username: str) -> dict:
    row = people.user_record(conn, username) if len(username) <= 100 else None
    if row is None:
        raise NotFound(NO_USER.format(username=username))
    return row


def update_user(sf: Supportflow, actor: Actor, username: str, data) -> dict:
    """Change what is given of {name, email, roles, organisation, language, active}; deactivating revokes the
    person's tokens and links and releases the open tasks they held."""
    actor.require("admin:users")
    values = load_input(UserChangeSchema(), data)
    now = sf.clock.now()
    with sf.db.write() as conn:
        row = _user(conn, username)
        if row["id"] == actor.id and values.get("active") is False:
            raise InvalidInput({"active": [NOT_YOURSELF]})
        roles = _roles(values["roles"]) if "roles" in values else row["roles"]
        if row["id"] == actor.id and "admin" not in roles:
            raise InvalidInput({"roles": [KEEP_ADMIN]})
        columns: dict = {}
        if "name" in values:
            columns["display_name"] = " ".join(values["name"].split())
            if not columns["display_name"]:
                raise InvalidInput({"name": [NAME_EMPTY]})
        if "email" in values:
            _email_free(conn, values["email"], row["id"])
            columns["email"] = values["email"]
        columns["organisation_id"] = _organisation_id(conn, roles, values.get("organisation"),
                                                      row["organisation_id"], "organisation" in values)
        for key in ("language", "active"):
            if key in values:
                columns[key] = values[key]
        people.update_user(conn, row["id"], columns)
        if roles != row["roles"]:
            people.set_roles(conn, row["id"], roles)
        after = _user(conn, username)
        _record_change(conn, now, actor, view(row), view(after))
        if row["active"] and not after["active"]:
            _stop(conn, now, actor, after)
    return view(after)


def _record_change(conn, now, actor: Actor, before: dict, after: dict) -> None:
    changed = admin_trail.changes(before, {key: after[key] for key in ("name", "email", "roles", "organisation",
                                                                        "language", "active")})
    if not changed:
        return
    kind = "user_changed"
    if "active" in changed:
        kind = "user_reactivated" if after["active"] else "user_deactivated"
    admin_trail.record(conn, now, actor, kind, after["username"], changed)


def _stop(conn, now, actor: Actor, row: dict) -> None:
    """Sign the person out everywhere, void their links, hand back the open tasks they held (on each ticket's
    trail)."""
    people.delete_all_tokens_of_user(conn, row["id"])
    people.expire_links(conn, row["id"], now)
    released = people.release_claims(conn, row["id"])
    history.append_events(conn, [audit_event(
        "task_assigned", now, ticket_id=task["ticket_id"], instance_id=task["instance_id"], actor_id=actor.id,
        element=task["element"], detail={"task": task["name"], "from": row["username"], "to": None,
                                         "reason": "deactivated"}) for task in released])


def resend_invitation(sf: Supportflow, actor: Actor, username: str) -> dict:
    """A new invitation mail (the earlier link stops working)."""
    actor.require("admin:users")
    now = sf.clock.now()
    with sf.db.write() as conn:
        row = _user(conn, username)
        if not row["active"]:
            raise Conflict(NOT_ACTIVE.format(username=username))
        links.mail_link(sf, conn, row, "invite", now)
        admin_trail.record(conn, now, actor, "invitation_resent", username, {"email": row["email"]})
    return view(row)


def create_admin(sf: Supportflow, username: str, email: str, name: str | None = None,
                 password: str | None = None) -> str | None:
    """The first admin, from the command line: with a password, or (None) with a one-time link, whose URL is
    returned. Conflict when the user name is taken."""
    username = username.strip()
    values = load_input(NewUserSchema(), {"username": username, "name": name or username, "email": email,
                                          "roles": ["admin"]})
    if password is not None:
        problem = password_policy.password_problem(password, username)
        if problem:
            raise InvalidInput({"password": [problem]})
    now = sf.clock.now()
    with sf.db.write() as conn:
        if people.user_record(conn, username) is not None:
            raise Conflict(USERNAME_TAKEN.format(username=username))
        _email_free(conn, values["email"], None)
        people.insert_user(conn, username=username, display_name=values["name"].strip(), email=values["email"],
                           password_hash=hash_password(password) if password is not None else unusable_password_hash(),
                           organisation_id=None, roles=["admin"], language=None, created_at=now)
        row = people.user_record(conn, username)
        assert row is not None  # inserted just now
        admin_trail.record(conn, now, None, "user_created", username,
                           {"name": row["display_name"], "email": row["email"], "roles": ["admin"]})
        if password is not None:
            return None
        token, _expires = links.new_link(conn, row, "invite", now)
    return links.link_url(sf, token)


def staff(sf: Supportflow, actor: Actor) -> list[dict]:
    """The active staff ({username, name}), by name: whom an admin may make an organisation's contact."""
    actor.require("admin:organisations")
    with sf.db.read() as conn:
        rows = people.list_users(conn, active=True)
    chosen = [{"username": r["username"], "name": r["display_name"]} for r in rows if set(r["roles"]) & STAFF_ROLES]
    return sorted(chosen, key=lambda person: person["name"].casefold())
