"""canned replies

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:40:00.000000

Canned replies (text modules): a title and a template text in one language, shared (owner_id NULL) or one
person's; the language versions of a reply share a key.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('canned_replies',
    sa.Column('id', _ID, nullable=False),
    sa.Column('key', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('owner_id', _ID, nullable=True),
    sa.Column('created_by', _ID, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.create_index('ix_canned_replies_owner', ['owner_id', 'title'], unique=False)
        batch_op.create_index('ix_canned_replies_key', ['key', 'language'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('canned_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_canned_replies_key')
        batch_op.drop_index('ix_canned_replies_owner')
    op.drop_table('canned_replies')
