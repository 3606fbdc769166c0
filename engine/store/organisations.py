"""Organisations and people, as the pages name them: which organisations have customers, and users'
display names by user name (the audit trail and task rows carry user names); organisations as admins keep
them (name, e-mail domains, contact person, notes, active)."""

from sqlalchemy import Connection, insert, select, update

from engine.store.tables import organisations, user_roles, users


def names_with_customers(conn: Connection) -> list[str]:
    query = (select(organisations.c.name).distinct()
             .join(users, users.c.organisation_id == organisations.c.id)
             .join(user_roles, user_roles.c.user_id == users.c.id)
             .where(user_roles.c.role == "customer", users.c.active.is_(True), organisations.c.active.is_(True))
             .order_by(organisations.c.name))
    return list(conn.scalars(query).all())


def display_names_by_username(conn: Connection, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = conn.execute(select(users.c.username, users.c.display_name).where(users.c.username.in_(usernames)))
    return {row.username: row.display_name for row in rows}


_ORGANISATION = (select(organisations, users.c.username.label("contact"), users.c.display_name.label("contact_name"),
                        users.c.email.label("contact_email"), users.c.active.label("contact_active"))
                 .outerjoin(users, users.c.id == organisations.c.contact_user_id))


def all_organisations(conn: Connection) -> list[dict]:
    """Every organisation with its contact person's user name, name and e-mail, by name."""
    return [dict(row) for row in conn.execute(_ORGANISATION.order_by(organisations.c.name)).mappings()]


def organisation_by_id(conn: Connection, organisation_id: int) -> dict | None:
    row = conn.execute(_ORGANISATION.where(organisations.c.id == organisation_id)).mappings().first()
    return dict(row) if row else None


def organisation_by_name(conn: Connection, name: str) -> dict | None:
    row = conn.execute(_ORGANISATION.where(organisations.c.name == name)).mappings().first()
    return dict(row) if row else None


def active_names(conn: Connection) -> list[str]:
    return list(conn.scalars(select(organisations.c.name).where(organisations.c.active.is_(True))
                             .order_by(organisations.c.name)).all())


def insert_organisation(conn: Connection, *, name: str, domains: list[str], contact_user_id: int | None,
                        notes: str, mail_new_contacts: str = "create") -> int:
    return conn.execute(insert(organisations).values(
        name=name, domains=domains, contact_user_id=contact_user_id, notes=notes, active=True,
        mail_new_contacts=mail_new_contacts,
    ).returning(organisations.c.id)).scalar_one()


def update_organisation(conn: Connection, organisation_id: int, values: dict) -> None:
    conn.execute(update(organisations).where(organisations.c.id == organisation_id).values(**values))
