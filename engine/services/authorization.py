"""Who may do what, decided in one place. A *capability* names one kind of action; the table below says which
roles hold it and what a refusal says. Services ask the actor (`actor.require("instance:repair")`), pages and
templates ask it too (`actor.can(...)`, the set `actor.capabilities` for the navigation), and nothing else
names a role to decide access. Two rules depend on the object rather than on a capability: a task is worked by
the holders of its lane's role (`may_work`), and a customer sees only their own organisation's tickets
(`may_see_organisation`).

Adding a capability: one row here (a name `thing:action`, the roles, one sentence), `actor.require` where the
service acts, a row in tests/test_authorization.py's table; templates and pages see it through `capabilities`."""

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from engine.domain import ROLES, STAFF_ROLES
from engine.errors import Forbidden
from engine.i18n import _, lazy


class Capability(NamedTuple):
    roles: frozenset[str]
    refusal: str  # what the person is told when they lack it (a lazy sentence: in the reader's language)


def _held_by(*roles: str) -> frozenset[str]:
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return frozenset(roles)


CAPABILITIES: dict[str, Capability] = {
    # Tickets
    "ticket:submit": Capability(_held_by("customer"),
                                lazy("Only customers and support masters create tickets.")),
    "ticket:capture": Capability(_held_by("support_master"),
                                 lazy("Only support masters capture tickets on behalf of a customer.")),
    "ticket:internal": Capability(STAFF_ROLES,
                                  lazy("Only staff write internal comments and attachments.")),
    "ticket:reopen": Capability(_held_by(*ROLES),
                                lazy("Only the ticket's customer or staff reopen a ticket.")),
    "ticket:merge": Capability(_held_by("support_master"),
                               lazy("Only support masters merge tickets.")),
    "ticket:withdraw": Capability(_held_by("customer", "support_master"),
                                  lazy("Only the ticket's customer or a support master withdraws a ticket.")),
    "ticket:list": Capability(STAFF_ROLES, lazy("Only staff use the ticket list of every organisation, its saved "
                                                "views, its export and its filters by task.")),
    "ticket:change": Capability(_held_by("support_master", "product_owner"),
                                lazy("Only support masters and product owners change a ticket's priority, "
                                     "category, system, labels and related tickets.")),
    "view:share": Capability(_held_by("support_master", "admin"),
                             lazy("Only support masters and admins create and change shared views.")),
    # Tasks
    "task:assign": Capability(_held_by("support_master", "product_owner"),
                              lazy("Only support masters and product owners assign tasks.")),
    # Canned replies: every staff member uses the shared ones and keeps their own
    "reply:use": Capability(STAFF_ROLES, lazy("Only staff use canned replies.")),
    "reply:share": Capability(_held_by("support_master", "admin"),
                              lazy("Only support masters and admins create and change shared canned replies.")),
    "board:read": Capability(_held_by("developer"),
                             lazy("The board shows the developers' work; it is for developers.")),
    # Process definitions
    "process:read": Capability(_held_by("process_owner", "ops"),
                               lazy("Only process owners and ops staff see process definitions.")),
    "process:edit": Capability(_held_by("process_owner"),
                               lazy("Only process owners edit, validate and deploy process definitions.")),
    "mail_template:edit": Capability(_held_by("process_owner", "admin"),
                                     lazy("Only process owners and admins change the mail templates.")),
    "process:migrate": Capability(_held_by("process_owner", "ops"),
                                  lazy("Only process owners and ops staff migrate running instances.")),
    # Running instances
    "instance:inspect": Capability(_held_by("ops"),
                                   lazy("Only ops staff inspect and repair process instances.")),
    "instance:repair": Capability(_held_by("ops"),
                                  lazy("Only ops staff inspect and repair process instances.")),
    "mail:read": Capability(_held_by("ops"),
                            lazy("Only ops staff read the record of incoming mail.")),
    "step:diagnose": Capability(_held_by("ops", "process_owner"),
                                lazy("Only ops staff and process owners read why a step failed.")),
    # Administration
    "admin:organisations": Capability(_held_by("admin"),
                                      lazy("Only admins add and change customer organisations.")),
    "admin:users": Capability(_held_by("admin"),
                              lazy("Only admins invite people, change their roles and deactivate them.")),
    "admin:audit": Capability(_held_by("admin"),
                              lazy("Only admins read the trail of what admins did.")),
}


@cache
def capabilities_of(roles: frozenset[str]) -> frozenset[str]:
    """Every capability the roles hold together."""
    return frozenset(name for name, capability in CAPABILITIES.items() if roles & capability.roles)


@dataclass(frozen=True)
class Actor:
    """Who is calling: a signed-in user with roles, and a customer's organisation."""

    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    organisation_id: int | None
    language: str | None = None  # their own setting; None: the browser's

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_customer(self) -> bool:
        return "customer" in self.roles and not self.is_staff

    @property
    def capabilities(self) -> frozenset[str]:
        return capabilities_of(self.roles)

    def can(self, capability: str) -> bool:
        assert capability in CAPABILITIES, f"unknown capability {capability!r}"
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        """Forbidden, in the capability's words, unless the actor holds it."""
        if not self.can(capability):
            raise Forbidden(CAPABILITIES[capability].refusal)

    def may_work(self, role: str | None) -> bool:
        """A task is worked by those who hold its lane's role."""
        return role is not None and role in self.roles

    def require_work(self, task_name: str, role: str | None) -> None:
        if not self.may_work(role):
            raise Forbidden(_("The task {task_name!r} is for the role {role}; you do not hold it.").format(
                task_name=task_name, role=role))

    def may_see_organisation(self, organisation_id: int | None) -> bool:
        """Staff see every organisation's tickets; a customer their own organisation's."""
        return self.is_staff or (organisation_id is not None and organisation_id == self.organisation_id)
