"""Progress events stored first, folded into progress right after

Revision ID: 0006_progress_event_folded
Revises: 0005_credit_ledger_pending
Create Date: 2026-11-27 09:40:00.000000

Under load the group writer answers a heartbeat once its events are stored and merges them
into progress, days and grants a moment later, many heartbeats at once (app.study.ingest).
`folded` marks the events already merged (every existing event is); the partial index holds
only those waiting. `scrolled_to_end` is kept so a text lesson's end-of-page event can be
folded later like the rest.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_progress_event_folded'
down_revision = '0005_credit_ledger_pending'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('progress_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scrolled_to_end', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('folded', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index('ix_progress_event_unfolded', ['received_at', 'id'], unique=False,
                              sqlite_where=sa.text('NOT folded'), postgresql_where=sa.text('NOT folded'))


def downgrade():
    with op.batch_alter_table('progress_event', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_event_unfolded', sqlite_where=sa.text('NOT folded'),
                            postgresql_where=sa.text('NOT folded'))
        batch_op.drop_column('folded')
        batch_op.drop_column('scrolled_to_end')
