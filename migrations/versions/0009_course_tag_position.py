"""Course tags keep the order the trainer typed them in

Revision ID: 0009_course_tag_position
Revises: 0008_study_clock
Create Date: 2026-12-02 14:20:00.000000

Without a position the tags came back in key order ("晚疫病,马铃薯" for "马铃薯,晚疫病"), so
saving a course again reordered them. Existing rows all get position 0 (key order, as before).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_course_tag_position'
down_revision = '0008_study_clock'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_tag') as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('course_tag') as batch_op:
        batch_op.drop_column('position')
