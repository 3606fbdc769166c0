"""ticket labels index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:20:00.000000

The ticket list's label filter (`labels @> ["vip"]`) reads every ticket without an index: on PostgreSQL a GIN index of
the labels as JSONB (the expression the filter uses) finds them. SQLite has no such index; its lists are small. Kept
out of `metadata` like the search index (engine.store.search.is_search_object).
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_tickets_labels ON tickets USING GIN ((CAST(labels AS JSONB)) jsonb_path_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_tickets_labels")
