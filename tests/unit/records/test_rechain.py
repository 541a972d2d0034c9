"""Upgrading to the keyed chain: a database just before the keyed-chain migration with files hashed the old way (unkeyed
SHA-256) is migrated to head and re-chained once with `lms records rechain`, on SQLite and
PostgreSQL. Files changed before the re-chaining are refused, never blessed."""
from __future__ import annotations

import json
import os
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.records import outbox, services
from app.records.models import OutboxStatement
from app.records.xapi import vocabulary
from tests.conftest import DEFAULT_PG_URL
from tests.factories import build_world, create_course, create_person
from tests.unit.records.records_data import (complete_course, entries_of, rehash_without_key, stored_rows,
                                            unkeyed_hash_as_before_0014)

KEYED_CHAIN = "0014_records_keyed_chain"


def _revision_before_the_keyed_chain(app) -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return script.get_revision(KEYED_CHAIN).down_revision


@pytest.fixture
def fresh_database(database_kind, tmp_path):
    """An empty database of the kind under test, beside the suite's own."""
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    server = make_url(os.environ.get("LMS_TEST_DATABASE_URL", DEFAULT_PG_URL))
    name = f"lms_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def old_files(fresh_database, make_app):
    """Files written by a version before 0014: the same rows, with unkeyed hashes, and their
    statements waiting in the outbox. (Today's models write the rows; the outbox has columns that
    came later, so its rows are queued after the upgrade, from the entries as they were stored.)"""
    app = make_app(SQLALCHEMY_DATABASE_URI=fresh_database)
    with app.app_context():
        upgrade(revision=_revision_before_the_keyed_chain(app))
        world = build_world()
        complete_course(world.person_a1, create_course(world.township_a, lessons=1, credit_hours="2"))
        services.set_stage(world.person_a1, stage="activist", by=world.accounts["organiser_a"])
        complete_course(world.person_b1, create_course(world.township_b, lessons=1))
        db.session.commit()
        for person in (world.person_a1, world.person_b1):
            rehash_without_key(person.id, unkeyed_hash_as_before_0014)
        upgrade(revision="heads")
        app.config["RECORDS_FEED_URL"] = "http://127.0.0.1:9/statements"
        assert outbox.backfill() == 5
        db.session.commit()
        yield app, world
        db.session.remove()


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_old_files_are_named_until_rechained_once(old_files):
    app, world = old_files
    result = _run(app, "records", "verify")
    assert result.exit_code == 1 and "run `lms records rechain`" in result.output
    assert "2 broken" in result.output
    hours_before = [entry.hours for entry in entries_of(world.person_a1)]

    result = _run(app, "records", "rechain")
    assert result.exit_code == 0, result.output
    assert "2 file(s) re-chained with the key, 0 refused" in result.output
    result = _run(app, "records", "verify")
    assert result.exit_code == 0, result.output
    assert "Checkpoint #1" in result.output
    assert [entry.hours for entry in entries_of(world.person_a1)] == hours_before
    # Statements still waiting for the receiver carry the new hashes.
    hashes = {row["uid"]: row["hash"] for row in stored_rows(world.person_a1.id)}
    for row in db.session.scalars(select(OutboxStatement).where(OutboxStatement.entry_id.is_not(None))):
        statement = json.loads(row.body)
        if statement["id"] in hashes:
            assert statement["result"]["extensions"][vocabulary().extension("entry-hash")] == hashes[statement["id"]]
    assert _run(app, "records", "rechain").output.startswith("0 file(s) re-chained")


def test_the_first_checkpoint_after_the_upgrade_holds_old_files_to_their_heads(old_files):
    app, world = old_files
    result = _run(app, "records", "checkpoint")
    assert result.exit_code == 0, result.output
    # New entries are keyed, linked to the old chain.
    services.add_appraisal(world.person_b1, year=2026, by=world.accounts["organiser_b"], grade="competent")
    db.session.commit()
    # Someone edits an old entry of 张甲一 and recomputes the old chain: the checkpoint's head no
    # longer matches, so the re-chaining refuses the file and verify goes on naming it.
    credit = stored_rows(world.person_a1.id)[1]
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE development_entry SET hours = 30 WHERE id = :id"), {"id": credit["id"]})
    rehash_without_key(world.person_a1.id, unkeyed_hash_as_before_0014)
    # A new person's file forged with the old formula after the checkpoint is not taken for an old one.
    forger = create_person(world.branch_a2, "王伪造")
    db.session.commit()
    services.set_stage(forger, stage="activist", by=world.accounts["organiser_a"])
    db.session.commit()
    rehash_without_key(forger.id, unkeyed_hash_as_before_0014)

    result = _run(app, "records", "rechain")
    assert result.exit_code == 1
    assert f"REFUSED person {world.person_a1.id} (张甲一)" in result.output
    assert f"REFUSED person {forger.id} (王伪造)" in result.output
    assert "1 file(s) re-chained with the key, 2 refused" in result.output
    result = _run(app, "records", "verify")
    assert result.exit_code == 1
    assert f"BROKEN person {world.person_a1.id} (张甲一)" in result.output
    assert f"BROKEN person {forger.id} (王伪造)" in result.output
    assert f"BROKEN person {world.person_b1.id}" not in result.output
