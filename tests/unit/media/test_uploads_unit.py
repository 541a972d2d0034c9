"""Upload helpers: titles and names from hostile file names, abandoned-session clean-up."""
from __future__ import annotations

import os
from datetime import timedelta

from sqlalchemy import func, select

from app.core.model_base import utcnow
from app.extensions import db
from app.media import services, uploads
from app.media.models import UploadSession


def test_file_names_are_for_display_only():
    assert services.display_name("../../etc/passwd") == "passwd"
    assert services.display_name("C:\\Users\\张\\视频.mp4") == "视频.mp4"
    assert services.display_name("a\x00b\u202ec.mp4") == "abc.mp4"
    assert services.lesson_title_for("马铃薯晚疫病_2023.mp4") == "马铃薯晚疫病 2023"
    assert services.lesson_title_for(".mp4") == "未命名"


def test_abandoned_sessions_and_orphan_parts_are_removed(app, world):
    account = world.accounts["trainer"]
    old = uploads.open_session(account, filename="old.mp4", size=10)
    new = uploads.open_session(account, filename="new.mp4", size=10)
    old.updated_at = utcnow() - timedelta(days=2)
    orphan = uploads.uploads_folder() / ("f" * 32 + ".part")
    orphan.write_bytes(b"x")
    two_days_ago = (utcnow() - timedelta(days=2)).timestamp()
    os.utime(orphan, (two_days_ago, two_days_ago))
    db.session.commit()
    assert uploads.discard_abandoned_sessions() == 2
    db.session.commit()
    assert list(db.session.scalars(select(UploadSession.id))) == [new.id]
    assert sorted(p.name for p in uploads.uploads_folder().iterdir()) == [f"{new.id}.part"]
    assert db.session.scalar(select(func.count()).select_from(UploadSession)) == 1


def test_the_hourly_clean_up_makes_no_folder_where_nothing_was_uploaded(app):
    # The crash-recovery test expects an empty scratch folder; the clean-up runs at minute 17.
    scratch = services.media_storage().scratch_dir()
    assert uploads.discard_abandoned_sessions() == 0
    assert not (scratch / "uploads").exists()


def test_content_range_is_parsed_strictly():
    import pytest

    assert uploads.parse_content_range("bytes 0-9/10") == (0, 9, 10)
    for bad in (None, "bytes 5-1/10", "bytes=0-9/10", "bytes 0-9/*", "0-9/10"):
        with pytest.raises(uploads.UploadError):
            uploads.parse_content_range(bad)
