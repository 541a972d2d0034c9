"""Questionnaires sent with a course package

Revision ID: 0020_questionnaire_course
Revises: 0019_appraisal_year
Create Date: 2026-12-03 13:00:00.000000

A questionnaire may travel with a course (`survey_questionnaire.course_id`): the course's
package carries it, and importing the package creates or updates it, matched by
`package_key`, in the importing installation (app.packages.services).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_questionnaire_course'
down_revision = '0019_appraisal_year'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('package_key', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_survey_questionnaire_course_id', ['course_id'], unique=False)
        batch_op.create_unique_constraint('uq_survey_questionnaire_course_id', ['course_id', 'package_key'])
        batch_op.create_foreign_key('fk_survey_questionnaire_course_id_course', 'course', ['course_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('survey_questionnaire', schema=None) as batch_op:
        batch_op.drop_constraint('fk_survey_questionnaire_course_id_course', type_='foreignkey')
        batch_op.drop_constraint('uq_survey_questionnaire_course_id', type_='unique')
        batch_op.drop_index('ix_survey_questionnaire_course_id')
        batch_op.drop_column('package_key')
        batch_op.drop_column('course_id')
