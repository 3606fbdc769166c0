"""full-text search over tickets

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:45:00.000000

PostgreSQL: ticket_search holds a weighted tsvector per ticket, with a GIN index. SQLite: ticket_search is an
FTS5 table (rowid = the ticket). Both hold words that engine.search_text made; the upgrade indexes the tickets
there are. Neither is in `metadata` (engine.store.search.is_search_object keeps autogenerate off them).
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.store import search

    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE ticket_search USING fts5(title, description, public, internal, "
                   "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')")
    else:
        op.execute("CREATE TABLE ticket_search (ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id), "
                   "document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_ticket_search_document ON ticket_search USING GIN (document)")
    search.rebuild(bind)


def downgrade() -> None:
    op.execute("DROP TABLE ticket_search")
