"""Wrong PINs per account, for the PIN sign-in lockout

Revision ID: 0007_pin_failure
Revises: 0006_progress_event_folded
Create Date: 2026-12-02 13:50:00.000000

A PIN never identifies a person alone any more: the terminal asks for the name, then the PIN.
Each wrong PIN is stored against the account (not the browser session), so too many wrong ones
lock that person's PIN sign-in whichever terminal or session they come through.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_pin_failure'
down_revision = '0006_progress_event_folded'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pin_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_pin_failure_account_id_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pin_failure')),
    )
    op.create_index('ix_pin_failure_account_failed_at', 'pin_failure', ['account_id', 'failed_at'], unique=False)


def downgrade():
    op.drop_index('ix_pin_failure_account_failed_at', table_name='pin_failure')
    op.drop_table('pin_failure')
