"""The schema changes only through migrations: models and migrations must agree."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_autogenerate_against_migrated_database_is_empty(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_database_is_at_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate  # noqa: F401 - the extension holds the config

    config = app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == head


def test_file_names_show_the_order_the_migrations_apply_in(app):
    """Sorted by file name, each migration revises the one before it, and the last is the one head:
    a newcomer reading migrations/versions sees the chain."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    by_file = sorted(script.walk_revisions(), key=lambda revision: revision.path.rsplit("/", 1)[-1])
    previous = None
    for revision in by_file:
        assert revision.down_revision == previous, (
            f"{revision.path.rsplit('/', 1)[-1]} revises {revision.down_revision!r}, but the file before it is "
            f"{previous!r}")
        previous = revision.revision
    assert script.get_heads() == [previous]
