"""Records: keyed hash chain; no foreign key removes or rewrites a development-file entry

Revision ID: 0014_records_keyed_chain
Revises: 0013_job_heartbeat
Create Date: 2026-12-09 10:00:00.000000

Entries are now chained with HMAC-SHA256 under a key kept outside the database (LMS_RECORDS_KEY
or instance/records_key). A migration cannot see that key, so existing entries keep their
unkeyed SHA-256 hashes here and `lms records rechain`, run once after this upgrade, re-chains
them with the key (until then `lms records verify` names them). See docs/security.md.

- development_entry.person_id: CASCADE -> RESTRICT (deleting a person no longer silently removes
  their file; people are archived, never deleted);
- development_entry.recorded_by_id: SET NULL -> RESTRICT (deleting an account would rewrite
  hashed entries);
- records_outbox.entry_id: nullable (checkpoint statements report no entry), CASCADE -> RESTRICT.

Downgrading keeps the keyed hashes: the older version's `lms records verify` then names every file.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_records_keyed_chain'
down_revision = '0013_job_heartbeat'
branch_labels = None
depends_on = None


def _replace_foreign_key(batch_op, table, column, referred, ondelete):
    name = f'fk_{table}_{column}_{referred}'
    batch_op.drop_constraint(name, type_='foreignkey')
    batch_op.create_foreign_key(name, referred, [column], ['id'], ondelete=ondelete)


def upgrade():
    with op.batch_alter_table('development_entry', schema=None) as batch_op:
        _replace_foreign_key(batch_op, 'development_entry', 'person_id', 'person', 'RESTRICT')
        _replace_foreign_key(batch_op, 'development_entry', 'recorded_by_id', 'account', 'RESTRICT')
    with op.batch_alter_table('records_outbox', schema=None) as batch_op:
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=True)
        _replace_foreign_key(batch_op, 'records_outbox', 'entry_id', 'development_entry', 'RESTRICT')


def downgrade():
    op.execute("DELETE FROM records_outbox WHERE entry_id IS NULL")
    with op.batch_alter_table('records_outbox', schema=None) as batch_op:
        _replace_foreign_key(batch_op, 'records_outbox', 'entry_id', 'development_entry', 'CASCADE')
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('development_entry', schema=None) as batch_op:
        _replace_foreign_key(batch_op, 'development_entry', 'recorded_by_id', 'account', 'SET NULL')
        _replace_foreign_key(batch_op, 'development_entry', 'person_id', 'person', 'CASCADE')
