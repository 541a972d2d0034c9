"""Democratic appraisal: the appraisal year of a questionnaire

Revision ID: 0019_appraisal_year
Revises: 0018_webhook_outbox
Create Date: 2026-12-03 08:30:00.000000

Members' posts (设岗定责) already live on `person.post` (app.org.choices.Post), so this
revision only marks a questionnaire as a branch's democratic appraisal (民主评议党员) for a year: `survey_questionnaire.appraisal_year`, empty for
ordinary questionnaires (app.survey.appraisal).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_appraisal_year'
down_revision = '0018_webhook_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_questionnaire', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appraisal_year', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('survey_questionnaire', schema=None) as batch_op:
        batch_op.drop_column('appraisal_year')
