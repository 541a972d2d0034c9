"""The staging service: uploads that wait for a preview or a job, kept through core/storage."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from app.core import staging
from app.core.model_base import utcnow
from app.core.storage import InvalidKey

HOSTILE_IDS = ["", None, 17, "../../etc/passwd", "A" * 32, "a" * 31, "a" * 33, "a" * 32 + "/..",
               "..", "a" * 32 + "\x00", "0" * 32 + ".json", {"id": "x"}]


def _files(app) -> list[str]:
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                  if path.is_file() and not path.relative_to(root).as_posix().startswith(".scratch"))


def test_stage_find_read_discard_round_trip(app):
    data = "姓名,身份证号\n张三,1\n".encode("utf-8") * 100
    staged = staging.stage("roster", io.BytesIO(data), owner_id=7, max_bytes=len(data),
                           filename="../../etc/passwd.csv", meta={"bank": 3})
    found = staging.find("roster", staged.id, owner_id=7, bank=3)
    assert found is not None and found.filename == "../../etc/passwd.csv" and found.meta["size"] == len(data)
    assert staging.read_bytes(found) == data
    with staging.local_file(found) as path:
        assert path.read_bytes() == data
    # Under a random id, never the uploaded name; nothing outside the staged folder.
    assert _files(app) == [f"staged/roster/{staged.id}/file", f"staged/roster/{staged.id}/meta.json"]
    staging.discard("roster", staged.id)
    assert staging.find("roster", staged.id, owner_id=7, bank=3) is None and _files(app) == []


def test_only_the_uploader_finds_it_and_only_for_what_it_was_staged_for(app):
    staged = staging.stage("question-bank", io.BytesIO(b"::Q:: 1+1 {=2}"), owner_id=7, max_bytes=100,
                           meta={"bank": 3})
    assert staging.find("question-bank", staged.id, owner_id=8, bank=3) is None
    assert staging.find("question-bank", staged.id, owner_id=7, bank=4) is None
    assert staging.find("roster", staged.id, owner_id=7) is None  # another kind's upload
    assert staging.find("question-bank", staged.id, owner_id=7, bank=3) is not None


@pytest.mark.parametrize("upload_id", HOSTILE_IDS)
def test_hostile_ids_find_nothing_and_discard_nothing(app, upload_id):
    staged = staging.stage("roster", io.BytesIO(b"a,b\n"), owner_id=7, max_bytes=100)
    assert staging.find("roster", upload_id, owner_id=7) is None
    staging.discard("roster", upload_id)
    assert staging.find("roster", staged.id, owner_id=7) is not None


@pytest.mark.parametrize("kind", ["../media", "Roster", "", "roster/../../x", ".staging"])
def test_a_hostile_kind_is_refused_before_anything_is_written(app, kind):
    with pytest.raises(InvalidKey):
        staging.stage(kind, io.BytesIO(b"x"), owner_id=7, max_bytes=100)
    assert _files(app) == []


def test_too_large_or_refused_by_inspection_keeps_nothing(app):
    with pytest.raises(staging.StagedTooLarge) as too_large:
        staging.stage("roster", io.BytesIO(b"x" * 101), owner_id=7, max_bytes=100)
    assert too_large.value.limit == 100

    def refuse(path: Path) -> dict:
        raise ValueError(f"not a spreadsheet: {path.stat().st_size} bytes")

    with pytest.raises(ValueError, match="not a spreadsheet: 4 bytes"):
        staging.stage("roster", io.BytesIO(b"\x00\x01\x02\x03"), owner_id=7, max_bytes=100, inspect=refuse)
    assert _files(app) == []
    assert list(Path(app.config["MEDIA_ROOT"], ".scratch").iterdir()) == []  # no work file left either


def test_what_inspection_returns_is_remembered(app):
    staged = staging.stage("roster", io.BytesIO(b"a,b\n"), owner_id=7, max_bytes=100,
                           inspect=lambda path: {"format": "csv"})
    assert staging.find("roster", staged.id, owner_id=7, format="csv") is not None


def test_unconfirmed_uploads_expire_after_the_configured_hours(app):
    app.config["STAGED_UPLOAD_HOURS"] = 24
    kept = staging.stage("roster", io.BytesIO(b"a,b\n"), owner_id=7, max_bytes=100)
    other = staging.stage("package", io.BytesIO(b"PK"), owner_id=7, max_bytes=100)
    assert staging.expire(now=utcnow() + timedelta(hours=23)) == 0
    assert staging.expire("roster", now=utcnow() + timedelta(hours=25)) == 1  # one kind only
    assert staging.find("roster", kept.id, owner_id=7) is None
    assert staging.find("package", other.id, owner_id=7) is not None
    assert staging.expire(now=utcnow() + timedelta(hours=25)) == 1 and _files(app) == []


def test_a_folder_without_its_record_expires_at_once(app):
    staged = staging.stage("roster", io.BytesIO(b"a,b\n"), owner_id=7, max_bytes=100)
    (Path(app.config["MEDIA_ROOT"]) / "staged" / "roster" / staged.id / "meta.json").unlink()
    assert staging.find("roster", staged.id, owner_id=7) is None
    assert staging.expire() == 1 and _files(app) == []


def test_the_hourly_job_expires_staged_uploads(app):
    staging.stage("roster", io.BytesIO(b"a,b\n"), owner_id=7, max_bytes=100)
    app.config["STAGED_UPLOAD_HOURS"] = 0
    app.config["JOBS_EAGER"] = False  # periodic tasks run only in a real consumer
    try:
        staging.expire_staged_uploads.call_local()
    finally:
        app.config["JOBS_EAGER"] = True
    assert _files(app) == []
