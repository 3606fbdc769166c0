"""worker jobs and heartbeats

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:42:18.286311

Outbox delivery bookkeeping, worker heartbeats, and the indexes the inbox and the ticket list read at scale.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('hostname', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rounds', sa.BigInteger(), nullable=False),
    sa.Column('timers_fired', sa.BigInteger(), nullable=False),
    sa.Column('messages_sent', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))

    # The inbox reads open tasks per role and per assignee in (created_at, id) order, one index each.
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_role', postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.create_index('ix_tasks_open_role', ['role', 'created_at', 'id'], unique=False, postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.create_index('ix_tasks_open_assignee', ['assignee_id', 'created_at', 'id'], unique=False, postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_org_id', ['organisation_id', 'id'], unique=False)
    # The ops console lists instances newest first (by id), filtered by status or by process and version.
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.create_index('ix_instances_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_instances_process_version', ['process_id', 'version_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('instances', schema=None) as batch_op:
        batch_op.drop_index('ix_instances_process_version')
        batch_op.drop_index('ix_instances_status_id')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_org_id')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_open_assignee', postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.drop_index('ix_tasks_open_role', postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.create_index('ix_tasks_open_role', ['role', 'created_at'], unique=False, postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('last_error')
        batch_op.drop_column('last_attempt_at')

    op.drop_table('worker_heartbeats')
