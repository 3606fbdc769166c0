"""Schema revisions with Alembic (engine/store/revisions), driven from Python (no alembic.ini needed). In this
code "migration" means moving running instances between process versions; the schema is upgraded."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.store.database import Database

REVISIONS = Path(__file__).parent / "revisions"  # Alembic: env.py and versions/


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REVISIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision."""
    with db.engine.begin() as conn:
        command.upgrade(_config(conn), "head")


@cache
def head_revision() -> str:
    """The newest revision this code ships (read once: the migration files do not change while it runs)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None  # the revisions ship with the code
    return head


def pending_revisions(db: Database) -> list[str]:
    """Revisions not yet applied (empty when the schema is current)."""
    head = head_revision()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return [] if current == head else [head]


def autogenerate(db: Database, message: str) -> None:
    """Developer tool: write a new revision from the difference between tables.py and the database."""
    with db.engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
