"""Account: sessions that end, and a per-account password lockout

Revision ID: 0011_account_session_version
Revises: 0010_person_joining_dates
Create Date: 2026-12-03 10:00:00.000000

The session version itself (part of every session id) has been a column since 0001; logout now
bumps it too, and a password or PIN change ends the person's other sessions. What is new is the
lockout state: the number of wrong passwords since the last right one and when the last one
was typed, counted per account whatever the source address, in the database so that every
process counts together.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_account_session_version'
down_revision = '0010_person_joining_dates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_failed_login_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('last_failed_login_at')
        batch_op.drop_column('failed_logins')
