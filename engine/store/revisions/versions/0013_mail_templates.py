"""mail headers on the outbox, the ticket's mail thread root, mail templates

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00.000000

Each outbox message keeps the headers decided when it was written (its Message-ID, the thread it answers, its
Reply-To and whether it is automatic: Auto-Submitted), so that the worker sends exactly that. A ticket opened by a
mail keeps that mail's Message-ID as the root of its thread. The texts of the mails are rows, one per template and
language, seeded from engine/mail_templates/ (`edited`: a process owner changed it; seeding leaves it alone).
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('in_reply_to', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('thread_references', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('auto_submitted', sa.String(length=20), nullable=True))
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_message_id', sa.String(length=1000), nullable=True))
        batch_op.create_index('ix_tickets_mail_message_id', ['mail_message_id'], unique=False)
    op.create_table('mail_templates',
    sa.Column('id', _ID, nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('edited', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('updated_by', _ID, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name', 'language')
    )


def downgrade() -> None:
    op.drop_table('mail_templates')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_mail_message_id')
        batch_op.drop_column('mail_message_id')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('auto_submitted')
        batch_op.drop_column('reply_to')
        batch_op.drop_column('thread_references')
        batch_op.drop_column('in_reply_to')
        batch_op.drop_column('message_id')
