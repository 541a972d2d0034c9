"""`lms media posters`: media transcoded before posters were sized get the new poster."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from app.extensions import db
from app.media import services as media_services
from tests.unit.media.test_transcode import ffprobe

pytestmark = pytest.mark.slow


def test_old_big_poster_is_made_again_small_and_upright(app, world, sources, tmp_path):
    upload = tmp_path / "phone.mp4"
    shutil.copy(sources.busy_phone_clip, upload)
    media = media_services.ingest_file(upload, original_name="手机录像.mp4", owner_unit=world.township_a)
    db.session.commit()
    db.session.expire_all()
    assert media.status == "ready", media.error
    storage = media_services.media_storage()
    poster = storage.path_for(media.poster_key)
    largest = storage.path_for(max(media.renditions, key=lambda r: r.width * r.height).key)
    # As the old transcode made it: the 720p picture at JPEG qscale 3.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", "0.2", "-i", str(largest), "-frames:v", "1",
                    "-q:v", "3", "-update", "1", str(poster)], check=True)
    assert ffprobe(poster)["streams"][0]["height"] == 1280

    result = app.test_cli_runner().invoke(args=["media", "posters"])
    assert result.exit_code == 0, result.output
    assert f"media {media.id}: poster" in result.output and "1 posters made again" in result.output
    db.session.expire_all()
    poster = storage.path_for(media.poster_key)
    stream = ffprobe(poster)["streams"][0]
    assert (stream["width"], stream["height"]) == (360, 640)
    assert poster.stat().st_size < 30 * 1024
