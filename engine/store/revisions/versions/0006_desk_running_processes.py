"""the processes running in an instance

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00.000000

instance_processes: which processes (main and called) run in each instance now, kept by every step, for the
counts and filters by process. Filled here from what the database knows without loading workflows: the main
process of every unfinished instance and the process of each open task; a called process that waits only in a
process it called itself (bug_fix while acceptance_dqp runs) is added by the instance's next step.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instance_processes',
    sa.Column('instance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['process_versions.id'], ),
    sa.PrimaryKeyConstraint('instance_id', 'process_id')
    )
    with op.batch_alter_table('instance_processes', schema=None) as batch_op:
        batch_op.create_index('ix_instance_processes_process', ['process_id', 'version_id', 'instance_id'],
                              unique=False)
        batch_op.create_index('ix_instance_processes_version', ['version_id'], unique=False)
    op.execute("INSERT INTO instance_processes (instance_id, process_id, version_id) "
               "SELECT id, process_id, version_id FROM instances WHERE status NOT IN ('completed', 'terminated')")
    op.execute("INSERT INTO instance_processes (instance_id, process_id, version_id) "
               "SELECT DISTINCT tasks.instance_id, process_versions.process_id, tasks.process_version_id "
               "FROM tasks JOIN process_versions ON process_versions.id = tasks.process_version_id "
               "JOIN instances ON instances.id = tasks.instance_id "
               "WHERE tasks.state = 'open' AND process_versions.process_id <> instances.process_id "
               "AND instances.status NOT IN ('completed', 'terminated')")


def downgrade() -> None:
    with op.batch_alter_table('instance_processes', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_processes_version')
        batch_op.drop_index('ix_instance_processes_process')
    op.drop_table('instance_processes')
