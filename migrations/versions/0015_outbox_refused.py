"""Outbox: statements the receiver refused for good

Revision ID: 0015_outbox_refused
Revises: 0014_records_keyed_chain
Create Date: 2026-12-02 21:00:00.000000

A receiver that answers 4xx (other than 408 and 429) to a statement will answer the same next
time: the row is set aside (`refused_at`, with the receiver's reason in `last_error`) and the
rest of the outbox goes on. Before this revision such a statement was retried for ever and held
back every later one.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_outbox_refused'
down_revision = '0014_records_keyed_chain'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('records_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('records_outbox', schema=None) as batch_op:
        batch_op.drop_column('refused_at')
