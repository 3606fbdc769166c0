"""Who is who for the pages: the customer organisations a support master captures calls for, and the
display names behind the user names the trail and the tasks carry."""

from engine.services.authorization import Actor
from engine.services.context import Supportflow
from engine.store import organisations as organisation_store


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
