"""Study session: the reason a past session was entered afterwards

Revision ID: 0012_session_late_entry
Revises: 0011_account_session_version
Create Date: 2026-12-02 17:30:00.000000

A session whose start is already past when it is scheduled (a meeting held without the TV,
copied from the paper sheet) is entered afterwards: it carries the secretary's reason, and the
pages and the development file show it as such. Existing sessions have none.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_session_late_entry'
down_revision = '0011_account_session_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('study_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_entry_reason', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('study_session', schema=None) as batch_op:
        batch_op.drop_column('late_entry_reason')
