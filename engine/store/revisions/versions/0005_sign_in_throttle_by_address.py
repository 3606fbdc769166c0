"""sign-in throttle by address

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000

Failed sign-ins are counted per user name and client address, and per address across user names.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        # Rows from before carry no address: they count for nobody and are swept once their window passed.
        batch_op.add_column(sa.Column('client_address', sa.String(length=64), server_default=sa.text("''"), nullable=False))
        batch_op.drop_index('ix_sign_in_failures_user')
        batch_op.create_index('ix_sign_in_failures_address', ['client_address', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_failures_at', ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_in_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failures_at')
        batch_op.drop_index('ix_sign_in_failures_address')
        batch_op.create_index('ix_sign_in_failures_user', ['username', 'at'], unique=False)
        batch_op.drop_column('client_address')
