"""Organisations and people, as the pages name them: which organisations have customers, and users'
display names by user name (the audit trail and task rows carry user names)."""

from sqlalchemy import Connection, select, update

from engine.store.tables import organisations, user_roles, users


def names_with_customers(conn: Connection) -> list[str]:
    query = (select(organisations.c.name).distinct()
             .join(users, users.c.organisation_id == organisations.c.id)
             .join(user_roles, user_roles.c.user_id == users.c.id)
             .where(user_roles.c.role == "customer", users.c.active.is_(True))
             .order_by(organisations.c.name))
    return list(conn.scalars(query).all())


def display_names_by_username(conn: Connection, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = conn.execute(select(users.c.username, users.c.display_name).where(users.c.username.in_(usernames)))
    return {row.username: row.display_name for row in rows}


def set_contact(conn: Connection, organisation_id: int, user_id: int | None) -> None:
    """The agency's contact person for the organisation (None: nobody)."""
    conn.execute(update(organisations).where(organisations.c.id == organisation_id).values(contact_user_id=user_id))
