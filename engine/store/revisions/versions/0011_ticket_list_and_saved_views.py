"""ticket list indexes and saved views

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:10:00.000000

The staff ticket list sorts by created and updated (keyset: the key, then the number) and filters by status, creator
and overdue tasks: an index each. Saved views of that list: personal (owner_id) or shared (NULL); the five shared
ones supportflow ships carry a `builtin` key (their names are translated when shown).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_OPEN = sa.text("state = 'open'")
# The built-in views as this revision ships them: (key, English name, filters).
_BUILTIN = (
    ("my_open", "My open tickets", {"assignee": "me"}),
    ("unassigned", "Unassigned", {"assignee": "none"}),
    ("waiting_for_customer", "Waiting for the customer", {"status": "waiting_for_customer"}),
    ("reopened", "Reopened", {"status": "reopened"}),
    ("overdue", "Overdue", {"overdue": "true"}),
)


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_updated', ['updated_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_status_updated', ['status', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_tickets_created_by', ['created_by'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_open_due', ['due_at'], unique=False, postgresql_where=_OPEN,
                              sqlite_where=_OPEN)
    views = op.create_table('saved_views',
    sa.Column('id', _ID, nullable=False),
    sa.Column('owner_id', _ID, nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('builtin', sa.String(length=30), nullable=True),
    sa.Column('position', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('builtin')
    )
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.create_index('ix_saved_views_owner', ['owner_id', 'position', 'id'], unique=False)
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)  # as engine.store.tables.UtcDateTime writes it there
    op.bulk_insert(views, [{'owner_id': None, 'name': name, 'filters': filters, 'builtin': key, 'position': position,
                            'created_at': now} for position, (key, name, filters) in enumerate(_BUILTIN)])


def downgrade() -> None:
    with op.batch_alter_table('saved_views', schema=None) as batch_op:
        batch_op.drop_index('ix_saved_views_owner')
    op.drop_table('saved_views')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_due', postgresql_where=_OPEN, sqlite_where=_OPEN)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_created_by')
        batch_op.drop_index('ix_tickets_status_updated')
        batch_op.drop_index('ix_tickets_updated')
        batch_op.drop_index('ix_tickets_created')
