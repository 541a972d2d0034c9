"""Course ratings: a learner's face-scale rating of a course they finished

Revision ID: 0017_course_ratings
Revises: 0016_questionnaires
Create Date: 2026-12-03 08:00:00.000000

One row per person and course (edited in place): 有用吗？ and 听得懂吗？ on a 1-5 scale and
one optional sentence, with the course version rated (app.study.ratings).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_course_ratings'
down_revision = '0016_questionnaires'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'course_rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('course_version', sa.Integer(), nullable=False),
        sa.Column('useful', sa.Integer(), nullable=False),
        sa.Column('clear', sa.Integer(), nullable=False),
        sa.Column('comment', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('useful BETWEEN 1 AND 5', name=op.f('ck_course_rating_useful')),
        sa.CheckConstraint('clear BETWEEN 1 AND 5', name=op.f('ck_course_rating_clear')),
        sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_rating_course_id_course'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_course_rating_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_course_rating')),
        sa.UniqueConstraint('person_id', 'course_id', name=op.f('uq_course_rating_person_id_course_id')),
    )
    with op.batch_alter_table('course_rating', schema=None) as batch_op:
        batch_op.create_index('ix_course_rating_course_id', ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('course_rating', schema=None) as batch_op:
        batch_op.drop_index('ix_course_rating_course_id')
    op.drop_table('course_rating')
