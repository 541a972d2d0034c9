"""study progress: progress events, lesson progress, study days, completions, credit grants

Revision ID: 0003_study_progress
Revises: 0002_catalog_media
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_study_progress"
down_revision = "0002_catalog_media"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_completion_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_course_completion_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_completion')),
    sa.UniqueConstraint('person_id', 'course_id', 'course_version', name=op.f('uq_course_completion_person_id'))
    )

    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_completion_course_id'), ['course_id'], unique=False)

    op.create_table('credit_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_credit_grant_course_id_course'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_credit_grant_lesson_id_lesson'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_credit_grant_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_grant'))
    )

    with op.batch_alter_table('credit_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_grant_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_credit_grant_person_id_year', ['person_id', 'year'], unique=False)

    op.create_table('lesson_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_completion_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_lesson_completion_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_completion')),
    sa.UniqueConstraint('person_id', 'lesson_id', 'content_version', name=op.f('uq_lesson_completion_person_id'))
    )

    with op.batch_alter_table('lesson_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_completion_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('lesson_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('intervals', sa.Text(), nullable=False),
    sa.Column('watched_seconds', sa.Float(), nullable=False),
    sa.Column('resume_position', sa.Float(), nullable=False),
    sa.Column('self_study_seconds', sa.Float(), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_lesson_progress_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_lesson_progress_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_progress')),
    sa.UniqueConstraint('person_id', 'lesson_id', 'content_version', name=op.f('uq_lesson_progress_person_id'))
    )

    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_progress_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index('ix_lesson_progress_person_id_updated_at', ['person_id', 'updated_at'], unique=False)

    op.create_table('progress_event',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_progress_event_account_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_progress_event_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_progress_event_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_event'))
    )

    with op.batch_alter_table('progress_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_event_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_progress_event_person_id'), ['person_id'], unique=False)

    op.create_table('study_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('intervals', sa.Text(), nullable=False),
    sa.Column('credited_seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['lesson.id'], name=op.f('fk_study_day_lesson_id_lesson'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_study_day_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_day')),
    sa.UniqueConstraint('person_id', 'lesson_id', 'day', name=op.f('uq_study_day_person_id'))
    )

    with op.batch_alter_table('study_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_day_lesson_id'), ['lesson_id'], unique=False)


def downgrade():
    with op.batch_alter_table('study_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_day_lesson_id'))

    op.drop_table('study_day')

    with op.batch_alter_table('progress_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_event_person_id'))
        batch_op.drop_index(batch_op.f('ix_progress_event_lesson_id'))

    op.drop_table('progress_event')

    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_progress_person_id_updated_at')
        batch_op.drop_index(batch_op.f('ix_lesson_progress_lesson_id'))

    op.drop_table('lesson_progress')

    with op.batch_alter_table('lesson_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lesson_completion_lesson_id'))

    op.drop_table('lesson_completion')

    with op.batch_alter_table('credit_grant', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_grant_person_id_year')
        batch_op.drop_index(batch_op.f('ix_credit_grant_course_id'))

    op.drop_table('credit_grant')

    with op.batch_alter_table('course_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_completion_course_id'))

    op.drop_table('course_completion')
