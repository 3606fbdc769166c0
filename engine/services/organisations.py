"""Who is who for the pages: the customer organisations a support master captures calls for, and the
display names behind the user names the trail and the tasks carry."""

from engine.errors import InvalidInput
from engine.i18n import lazy
from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.store import accounts as account_store
from engine.store import organisations as organisation_store

NO_SUCH_ORGANISATION = lazy("There is no organisation {name}.")
NO_SUCH_STAFF = lazy("There is no active staff member {username}.")


def customer_organisations(sf: Supportflow, actor: Actor) -> list[str]:
    """The names of the organisations that have customers; only support masters capture on their behalf."""
    actor.require("ticket:capture")
    with sf.db.read() as conn:
        return organisation_store.names_with_customers(conn)


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
        organisation_store.set_contact(conn, organisation_id, user_id)
