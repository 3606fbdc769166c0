"""The rows of the mail templates: one per template name and language."""

from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.tables import mail_templates, users

_WITH_EDITOR = (select(mail_templates, users.c.display_name.label("editor"))
                .outerjoin(users, users.c.id == mail_templates.c.updated_by))


def all_templates(conn: Connection) -> list[dict]:
    """Every row, with its last editor's name, by name and language."""
    query = _WITH_EDITOR.order_by(mail_templates.c.name, mail_templates.c.language)
    return [dict(row) for row in conn.execute(query).mappings()]


def template(conn: Connection, name: str, language: str) -> dict | None:
    query = _WITH_EDITOR.where(mail_templates.c.name == name, mail_templates.c.language == language)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def insert_template(conn: Connection, name: str, language: str, subject: str, body: str, at: datetime) -> None:
    """A shipped row, unless another process seeding at the same time inserted it first."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(mail_templates).values(name=name, language=language, subject=subject, body=body,
                                                       edited=False, updated_by=None, updated_at=at)
                 .on_conflict_do_nothing(index_elements=["name", "language"]))


def set_text(conn: Connection, template_id: int, *, subject: str, body: str, edited: bool, by: int | None,
             at: datetime) -> None:
    """The row's new text: `edited` by a person (`by`), or back to the shipped one (not edited)."""
    conn.execute(update(mail_templates).where(mail_templates.c.id == template_id)
                 .values(subject=subject, body=body, edited=edited, updated_by=by, updated_at=at))
