"""mail intake

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10 10:00:00.000000

Mail comes in (`supportflow mail ingest`, the IMAP poller): every inbound mail is recorded with its outcome
(inbound_mails, one row per Message-ID). Organisations say whether an unknown address of their domains becomes a
contact (mail_new_contacts) and one may be supportflow's own (builtin: the unassigned senders). A bounce marks the
outbox message and the person it was for.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_new_contacts', sa.String(length=10), server_default=sa.text("'create'"),
                                      nullable=False))
        batch_op.add_column(sa.Column('builtin', sa.String(length=30), nullable=True))
        batch_op.create_unique_constraint('uq_organisations_builtin', ['builtin'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_bounced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mail_bounce_reason', sa.String(length=500), nullable=True))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('bounce_reason', sa.String(length=500), nullable=True))
    op.create_table('inbound_mails',
    sa.Column('id', _ID, nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('from_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.Column('ticket_id', _ID, nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('auto_replied', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('inbound_mails', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_mails_outcome', ['outcome', 'id'], unique=False)
        batch_op.create_index('ix_inbound_mails_sender', ['from_address', 'received_at'], unique=False)
        batch_op.create_index('ix_inbound_mails_ticket', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_table('inbound_mails')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('bounce_reason')
        batch_op.drop_column('bounced_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('mail_bounce_reason')
        batch_op.drop_column('mail_bounced_at')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_organisations_builtin', type_='unique')
        batch_op.drop_column('builtin')
        batch_op.drop_column('mail_new_contacts')
