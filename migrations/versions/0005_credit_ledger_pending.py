"""Self-study grants waiting for their development-file entry

Revision ID: 0005_credit_ledger_pending
Revises: 0004_records
Create Date: 2026-11-27 05:05:19.536712

A self-study grant grows with every heartbeat; records appends the growth to the hash-chained
file later, in bulk (app.records.services.settle_self_study). The partial index holds only
the grants still waiting, so finding them stays cheap whatever the table's size.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_credit_ledger_pending'
down_revision = '0004_records'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('credit_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_credit_grant_ledger_pending', ['person_id'], unique=False,
                              sqlite_where=sa.text('ledger_pending'), postgresql_where=sa.text('ledger_pending'))


def downgrade():
    with op.batch_alter_table('credit_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_grant_ledger_pending', sqlite_where=sa.text('ledger_pending'),
                            postgresql_where=sa.text('ledger_pending'))
        batch_op.drop_column('ledger_pending')
