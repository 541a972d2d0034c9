"""Job: heartbeat, the worker running it, and the process group it started

Revision ID: 0013_job_heartbeat
Revises: 0012_session_late_entry
Create Date: 2026-12-10 09:00:00.000000

A running job touches `heartbeat_at` every few seconds and names its worker process
(`worker`) and the child process group it started (`child_group`, ffmpeg), so a worker that
starts after a crash knows which jobs lost their worker, queues them again and kills what the
dead worker left running (app.core.jobs.recover_lost_jobs). Jobs running before this revision
have no heartbeat: their start time stands in for it.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_job_heartbeat'
down_revision = '0012_session_late_entry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('child_group', sa.String(length=40), nullable=True))
        batch_op.create_index('ix_job_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_status')
        batch_op.drop_column('child_group')
        batch_op.drop_column('worker')
        batch_op.drop_column('heartbeat_at')
