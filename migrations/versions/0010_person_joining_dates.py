"""Person: party joining and transfer-in dates from the roster

Revision ID: 0010_person_joining_dates
Revises: 0009_course_tag_position
Create Date: 2026-12-02 14:05:00.000000

Yearly targets are pro-rated only for people who joined the party or transferred into their
branch during the year; the roster carries both dates (入党日期, 转入日期). Existing people
have neither and so owe the full year, as before they were pro-rated by the day the row was
created.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_person_joining_dates'
down_revision = '0009_course_tag_position'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_party_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('transferred_in_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('transferred_in_on')
        batch_op.drop_column('joined_party_on')
