"""A learner's study clock: credited playback spends real time measured by the server

Revision ID: 0008_study_clock
Revises: 0007_pin_failure
Create Date: 2026-12-02 14:00:00.000000

Heartbeats are merged in their own request again; what a learner may be credited is bounded
by the server's receive times (study_clock.credited_until), not by the client's `at`.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_study_clock'
down_revision = '0007_pin_failure'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'study_clock',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('credited_until', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_study_clock_person_id_person'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_study_clock')),
    )


def downgrade():
    op.drop_table('study_clock')
