"""Questionnaires: questions, one-time slip codes, responses and answers

Revision ID: 0016_questionnaires
Revises: 0015_outbox_refused
Create Date: 2026-12-03 07:30:00.000000

An anonymous response row carries no person, account, code or time, and a slip code row only
whether it is spent: nothing links an anonymous answer to whoever gave it (docs/survey.md).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_questionnaires'
down_revision = '0015_outbox_refused'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('is_anonymous', sa.Boolean(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['account.id'], name=op.f('fk_survey_questionnaire_created_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_survey_questionnaire_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questionnaire'))
    )
    with op.batch_alter_table('survey_questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questionnaire_unit_id'), ['unit_id'], unique=False)

    op.create_table('survey_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['survey_questionnaire.id'], name=op.f('fk_survey_question_questionnaire_id_survey_questionnaire'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_person_id'], ['person.id'], name=op.f('fk_survey_question_subject_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question'))
    )
    with op.batch_alter_table('survey_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_question_questionnaire_id'), ['questionnaire_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_question_subject_person_id'), ['subject_person_id'], unique=False)

    op.create_table('survey_slip_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('is_spent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['survey_questionnaire.id'], name=op.f('fk_survey_slip_code_questionnaire_id_survey_questionnaire'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_survey_slip_code_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_slip_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_survey_slip_code_code_hash'))
    )
    with op.batch_alter_table('survey_slip_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_slip_code_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('respondent_group', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_survey_response_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['survey_questionnaire.id'], name=op.f('fk_survey_response_questionnaire_id_survey_questionnaire'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_survey_response_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('questionnaire_id', 'person_id', name=op.f('uq_survey_response_questionnaire_id'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index('ix_survey_response_questionnaire_unit', ['questionnaire_id', 'unit_id'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'], name=op.f('fk_survey_answer_question_id_survey_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_survey_answer_response_id_survey_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer'))
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_response_id'), ['response_id'], unique=False)


def downgrade():
    op.drop_table('survey_answer')
    op.drop_table('survey_response')
    op.drop_table('survey_slip_code')
    op.drop_table('survey_question')
    op.drop_table('survey_questionnaire')
