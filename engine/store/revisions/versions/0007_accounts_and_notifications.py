"""accounts, organisations' contacts, single-use links, the admin trail, staff notifications

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:00:00.000000

Organisations gain e-mail domains, the agency's contact person, notes and an active flag; users a language,
how they hear of notifications by mail and when they were created. user_tokens holds the hashes of invitation
and reset links, admin_events what admins did, notifications each staff member's bell. The outbox carries
messages that belong to no ticket (invitations, resets, staff notifications) and an HTML part.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('domains', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('contact_user_id', _ID, nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), server_default=sa.text("''"), nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False))
        batch_op.create_foreign_key('fk_organisations_contact_user', 'users', ['contact_user_id'], ['id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('notify_by_mail', sa.String(length=10), server_default=sa.text("'at_once'"),
                                      nullable=False))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('user_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', _ID, nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_user_tokens_user', ['user_id'], unique=False)
    op.create_table('admin_events',
    sa.Column('id', _ID, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', _ID, nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('notifications',
    sa.Column('id', _ID, nullable=False),
    sa.Column('user_id', _ID, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', _ID, nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user', ['user_id', 'read_at', 'id'], unique=False)
        batch_op.create_index('ix_notifications_unmailed', ['mailed_at', 'user_id'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('ticket_id', existing_type=_ID, nullable=True)
        batch_op.alter_column('organisation_id', existing_type=_ID, nullable=True)
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('html')
        batch_op.alter_column('organisation_id', existing_type=_ID, nullable=False)
        batch_op.alter_column('ticket_id', existing_type=_ID, nullable=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_unmailed')
        batch_op.drop_index('ix_notifications_user')
    op.drop_table('notifications')
    op.drop_table('admin_events')
    with op.batch_alter_table('user_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_user_tokens_user')
    op.drop_table('user_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('notify_by_mail')
        batch_op.drop_column('language')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_organisations_contact_user', type_='foreignkey')
        batch_op.drop_column('active')
        batch_op.drop_column('notes')
        batch_op.drop_column('contact_user_id')
        batch_op.drop_column('domains')
