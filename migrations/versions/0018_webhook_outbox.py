"""Webhook outbox: reminder events waiting for delivery to LMS_WEBHOOK_URL

Revision ID: 0018_webhook_outbox
Revises: 0017_course_ratings
Create Date: 2026-12-03 08:00:00.000000

One row per reminder event (a site behind its monthly rule, a make-up about to expire, a member
behind the yearly target, ...), keyed by the reminder's key so each is sent once, and delivered
with the xAPI outbox's rule (backoff, refused 4xx set aside).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_webhook_outbox'
down_revision = '0017_course_ratings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'records_webhook_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_records_webhook_outbox')),
        sa.UniqueConstraint('event_id', name=op.f('uq_records_webhook_outbox_event_id')),
    )
    with op.batch_alter_table('records_webhook_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_records_webhook_outbox_delivered_at_next_attempt_at',
                              ['delivered_at', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('records_webhook_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_records_webhook_outbox_delivered_at_next_attempt_at')
    op.drop_table('records_webhook_outbox')
