"""invoices carry their currency

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 15:30:00.000000

An invoice keeps the currency it was made in (ISO 4217, the desk's SUPPORTFLOW_CURRENCY then); invoices made
before carry EUR, the currency every amount was in until now.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default=sa.text("'EUR'"),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('currency')
