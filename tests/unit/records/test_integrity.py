"""Attacks on development files, each made with SQL straight on the real database (SQLite and
PostgreSQL), and `lms records verify` naming the person and the entry every time.

The files: 张甲一 has four entries (course completed, 2 credit hours, an appraisal, a stage),
李乙一 two; a checkpoint of both heads was written with `lms records checkpoint`.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import DateTime, bindparam, func, select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.org.models import Person
from app.records import integrity, services
from app.records.hashing import ENTRY_FIELDS
from app.records.models import DevelopmentEntry, EntryKind
from tests.factories import create_course
from tests.unit.records.records_data import (complete_course, entries_of, insert_entry, rehash_without_key, stored_rows,
                                            unkeyed_hash_as_before_0014)


@dataclass(frozen=True)
class Stored:
    """An entry as the test saw it before the attack (the ORM object may be gone after it)."""

    id: int
    sequence: int
    hash: str
    kind: str


@dataclass
class Files:
    a1: list[Stored]
    b1: list[Stored]
    person_a1: int
    person_b1: int


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _sql(sql: str, *params, **values) -> None:
    """One statement on a connection of its own, committed: the application is not involved."""
    db.session.commit()
    statement = text(sql).bindparams(*params) if params else text(sql)
    with db.engine.begin() as connection:
        connection.execute(statement, values)
    db.session.expire_all()


def _checkpoint_document(app) -> dict:
    return json.loads(Path(app.config["RECORDS_CHECKPOINT_PATH"]).read_text(encoding="utf-8"))


def _moment(name: str):
    return bindparam(name, type_=DateTime(timezone=True))


@pytest.fixture
def files(world, app) -> Files:
    organiser = world.accounts["organiser_a"]
    complete_course(world.person_a1, create_course(world.township_a, "庭院经济", lessons=1, credit_hours="2"))
    services.add_appraisal(world.person_a1, year=2026, by=organiser, grade="excellent", review="民主评议：好")
    services.set_stage(world.person_a1, stage="activist", by=organiser, note="支部推荐")
    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    db.session.commit()
    result = _run(app, "records", "checkpoint")
    assert result.exit_code == 0, result.output
    assert "2 files, 6 entries" in result.output
    files = Files(*([Stored(entry.id, entry.sequence, entry.hash, entry.kind) for entry in entries_of(person)]
                    for person in (world.person_a1, world.person_b1)), world.person_a1.id, world.person_b1.id)
    assert [entry.kind for entry in files.a1] == [EntryKind.COURSE_COMPLETED, EntryKind.CREDIT, EntryKind.APPRAISAL,
                                                  EntryKind.STAGE]
    return files


def _verify_names(app, person_id: int, name: str, entry_id: int, *words: str) -> str:
    result = _run(app, "records", "verify")
    assert result.exit_code == 1, result.output
    line = next((line for line in result.output.splitlines()
                 if line.startswith(f"BROKEN person {person_id} ({name}) entry {entry_id} ")), None)
    assert line is not None, result.output
    for word in words:
        assert word in line, line
    return result.output


def _plain_sha256_of_every_field(row: dict, prev_hash: str) -> str:
    """The same over every column but the hash (what the new code covers), still without the key."""
    values = {name: str(row[name]) for name in ENTRY_FIELDS if name != "prev_hash"}
    return hashlib.sha256((prev_hash + json.dumps(values, sort_keys=True)).encode("utf-8")).hexdigest()


# --- the untouched files ----------------------------------------------------------------------

def test_untouched_files_verify_against_a_signed_checkpoint(world, app, files):
    result = _run(app, "records", "verify")
    assert result.exit_code == 0, result.output
    assert "Checkpoint #1" in result.output and "6 entries of 2 people checked, 0 broken" in result.output
    document = _checkpoint_document(app)
    head = document["people"][str(files.person_a1)]
    assert (head["entries"], head["last_id"], head["last_hash"]) == (4, files.a1[-1].id, files.a1[-1].hash)
    assert len(document["signature"]) == 64 and "records_key" not in json.dumps(document)


def test_every_stored_field_is_hashed():
    columns = {column.name for column in DevelopmentEntry.__table__.columns}
    assert set(ENTRY_FIELDS) == columns - {"hash"}
    assert {"id", "created_at", "occurred_at", "prev_hash"} <= set(ENTRY_FIELDS)


def test_entries_appended_after_the_checkpoint_verify_and_the_next_checkpoint_moves_the_head(world, app, files):
    complete_course(world.person_a1, create_course(world.township_a, lessons=1, credit_hours="1"))
    db.session.commit()
    assert _run(app, "records", "verify").exit_code == 0
    result = _run(app, "records", "checkpoint")
    assert result.exit_code == 0 and "Checkpoint #2" in result.output and "8 entries" in result.output


# --- the attacks --------------------------------------------------------------------------------

def test_editing_the_hours_is_named(world, app, files):
    credit = files.a1[1]
    _sql("UPDATE development_entry SET hours = 30 WHERE id = :id", id=credit.id)
    _verify_names(app, files.person_a1, "张甲一", credit.id, "#2", "does not match its hash")


def test_editing_the_note_is_named(world, app, files):
    appraisal = files.a1[2]
    _sql("UPDATE development_entry SET note = '民主评议：差' WHERE id = :id", id=appraisal.id)
    output = _verify_names(app, files.person_a1, "张甲一", appraisal.id, "#3")
    assert "person " + str(files.person_b1) not in output  # the other file is intact


def test_changing_created_at_is_named(world, app, files):
    first = files.a1[0]
    _sql("UPDATE development_entry SET created_at = :moment WHERE id = :id", _moment("moment"),
         moment=datetime(2020, 1, 1, tzinfo=timezone.utc), id=first.id)
    _verify_names(app, files.person_a1, "张甲一", first.id, "#1", "does not match its hash")


def test_changing_occurred_at_is_named(world, app, files):
    stage = files.a1[3]
    _sql("UPDATE development_entry SET occurred_at = :moment WHERE id = :id", _moment("moment"),
         moment=datetime(2019, 6, 1, tzinfo=timezone.utc), id=stage.id)
    _verify_names(app, files.person_a1, "张甲一", stage.id, "#4")


def test_changing_an_id_is_named(world, app, files):
    first = files.a1[0]
    _sql("UPDATE development_entry SET id = 900000 WHERE id = :id", id=first.id)
    _verify_names(app, files.person_a1, "张甲一", 900000, "#1", "does not match its hash")


def test_deleting_a_persons_last_entry_is_named(world, app, files):
    last = files.a1[-1]
    _sql("DELETE FROM development_entry WHERE id = :id", id=last.id)
    _verify_names(app, files.person_a1, "张甲一", last.id, "#4", "#4–#4 are missing", "checkpoint")


def test_deleting_a_whole_file_is_named(world, app, files):
    _sql("DELETE FROM development_entry WHERE person_id = :p", p=files.person_a1)
    _verify_names(app, files.person_a1, "张甲一", files.a1[-1].id, "#4", "whole file is gone")


def test_a_gone_file_is_named_within_its_units_subtree_only(world, app, files):
    _sql("DELETE FROM development_entry WHERE person_id = :p", p=files.person_a1)
    assert _run(app, "records", "verify", "--unit", "TB").exit_code == 0
    result = _run(app, "records", "verify", "--unit", "TA")
    assert result.exit_code == 1 and f"BROKEN person {files.person_a1} (张甲一)" in result.output


def test_deleting_people_is_refused_by_the_database(world, app, files):
    with pytest.raises(IntegrityError):
        _sql("DELETE FROM person")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 2
    assert db.session.scalar(select(func.count()).select_from(DevelopmentEntry)) == 6
    assert _run(app, "records", "verify").exit_code == 0


def test_deleting_people_with_the_foreign_keys_off_is_named(world, app, files, database_kind):
    db.session.commit()
    if database_kind == "sqlite":
        # The sqlite3 shell and a plain connection leave foreign keys off.
        connection = sqlite3.connect(db.engine.url.database)
        connection.execute("DELETE FROM person")
        connection.commit()
        connection.close()
    else:
        with db.engine.begin() as connection:  # a superuser can switch the foreign-key triggers off
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text("DELETE FROM person"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    output = _verify_names(app, files.person_a1, "张甲一", files.a1[0].id, "#1", "person's row is gone")
    _verify_names(app, files.person_b1, "李乙一", files.b1[0].id, "#1", "person's row is gone")
    assert "2 broken" in output


def test_deleting_a_file_and_then_its_person_is_named(world, app, files):
    _sql("DELETE FROM development_entry WHERE person_id = :p", p=files.person_a1)
    _sql("UPDATE account SET person_id = NULL WHERE person_id = :p", p=files.person_a1)
    _sql("DELETE FROM person WHERE id = :p", p=files.person_a1)
    _verify_names(app, files.person_a1, "张甲一", files.a1[-1].id, "whole file is gone and the person's row")


@pytest.mark.parametrize("recompute", [unkeyed_hash_as_before_0014, _plain_sha256_of_every_field])
def test_an_edit_with_the_chain_recomputed_with_plain_sha256_is_named(world, app, files, recompute):
    credit = files.a1[1]
    _sql("UPDATE development_entry SET hours = 20 WHERE id = :id", id=credit.id)
    rehash_without_key(files.person_a1, recompute, start=2)
    _verify_names(app, files.person_a1, "张甲一", credit.id, "#2")


def test_a_whole_file_recomputed_with_the_old_formula_is_not_taken_for_a_file_from_before_the_upgrade(
        world, app, files):
    first = files.a1[0]
    _sql("UPDATE development_entry SET title = '假课程' WHERE id = :id", id=first.id)
    rehash_without_key(files.person_a1, unkeyed_hash_as_before_0014)
    _verify_names(app, files.person_a1, "张甲一", first.id, "#1", "unkeyed SHA-256", "without the key")
    # Nor can `lms records rechain` be used to bless it: the checkpoint recorded a keyed file.
    result = _run(app, "records", "rechain")
    assert result.exit_code == 1 and "0 file(s) re-chained with the key, 1 refused" in result.output
    assert f"REFUSED person {files.person_a1} (张甲一)" in result.output
    _verify_names(app, files.person_a1, "张甲一", first.id, "#1")


def test_a_forged_30_hour_entry_with_a_plausible_hash_is_named(world, app, files):
    last = stored_rows(files.person_a1)[-1]
    forged = {**last, "id": last["id"] + 1000, "uid": str(uuid.uuid4()), "sequence": 5, "kind": "credit",
              "hours": Decimal("30.000"), "title": "县委党校集中轮训", "status": "", "note": "", "source": "session",
              "recorded_by_id": None, "prev_hash": last["hash"]}
    forged["hash"] = unkeyed_hash_as_before_0014(forged, last["hash"])
    insert_entry(forged)
    assert entries_of(world.person_a1)[-1].hours == Decimal("30.000")
    _verify_names(app, files.person_a1, "张甲一", forged["id"], "#5", "unkeyed SHA-256")


def test_a_forged_entry_with_a_made_up_hash_is_named(world, app, files):
    last = stored_rows(files.person_b1)[-1]
    forged = {**last, "id": last["id"] + 2000, "uid": str(uuid.uuid4()), "sequence": last["sequence"] + 1,
              "hours": Decimal("30.000"), "prev_hash": last["hash"], "hash": "f" * 64}
    insert_entry(forged)
    _verify_names(app, files.person_b1, "李乙一", forged["id"], "does not match its hash")


# --- the checkpoint file ------------------------------------------------------------------------

def test_a_later_checkpoint_keeps_the_head_a_file_lost(world, app, files):
    last = files.a1[-1]
    _sql("DELETE FROM development_entry WHERE id = :id", id=last.id)
    result = _run(app, "records", "checkpoint")
    assert result.exit_code == 1 and "1 file(s) no longer reach" in result.output
    document = _checkpoint_document(app)
    assert document["number"] == 2 and document["people"][str(files.person_a1)]["entries"] == 4
    _verify_names(app, files.person_a1, "张甲一", last.id, "missing")


def test_an_edited_checkpoint_file_is_named_and_never_overwritten(world, app, files):
    _sql("DELETE FROM development_entry WHERE id = :id", id=files.a1[-1].id)
    path = Path(app.config["RECORDS_CHECKPOINT_PATH"])
    document = _checkpoint_document(app)
    head = document["people"][str(files.person_a1)]
    head.update(entries=3, last_id=files.a1[2].id, last_hash=files.a1[2].hash)
    edited = json.dumps(document)
    path.write_text(edited, encoding="utf-8")
    result = _run(app, "records", "verify")
    assert result.exit_code == 1 and "BROKEN checkpoint" in result.output and "changed after it was signed" in result.output
    result = _run(app, "records", "checkpoint")
    assert result.exit_code != 0 and "Not overwritten" in result.output
    assert path.read_text(encoding="utf-8") == edited


def test_files_and_checkpoint_are_held_to_the_key(world, make_app, app, files):
    other = make_app(RECORDS_KEY="another-key-of-at-least-32-characters-000")
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1
    assert "signed with another key" in result.output and "2 broken" in result.output


def test_the_hourly_job_writes_the_checkpoint(world, app, files):
    from app.records import tasks

    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    db.session.commit()
    app.config["JOBS_EAGER"] = False  # as in a real consumer (the task runs only there)
    try:
        tasks.write_checkpoint.call_local()
    finally:
        app.config["JOBS_EAGER"] = True
    document = _checkpoint_document(app)
    assert document["number"] == 2 and document["people"][str(files.person_b1)]["entries"] == 4


# --- the key ------------------------------------------------------------------------------------

def test_the_key_is_generated_into_the_instance_folder_on_first_use(world, app, tmp_path):
    key_file = tmp_path / "instance" / "records_key"
    assert not key_file.exists()
    complete_course(world.person_a1, create_course(world.township_a, lessons=1))
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert len(key_file.read_text().strip()) == 64
    assert app.config["RECORDS_KEY"] == key_file.read_text().strip()


def test_a_configured_key_is_used_and_no_key_file_is_written(make_app, tmp_path):
    configured = make_app(RECORDS_KEY="k" * 40)
    with configured.app_context():
        assert integrity.chain_key() == b"k" * 40
    assert not (tmp_path / "instance" / "records_key").exists()
    with pytest.raises(ValueError, match="LMS_RECORDS_KEY"):
        make_app(RECORDS_KEY="short")
