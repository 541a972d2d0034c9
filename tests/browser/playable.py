"""A ready video made by ffmpeg in the test, with one real 360p rendition in the media folder
(what a finished transcode leaves), for browser tests that play it."""
from __future__ import annotations

import os
import shutil

from app.extensions import db
from app.media.models import Media, MediaStatus, Rendition
from tests.media_factory import plain_clip


def playable_video(app, unit, folder, seconds: int) -> Media:
    clip = plain_clip(folder, "lesson.mp4", size="320x180", duration=seconds)
    media = Media(kind="video", status=MediaStatus.READY, original_name="晚疫病.mp4", mime="video/mp4",
                  duration=float(seconds), owner_unit_id=unit.id, width=320, height=180)
    db.session.add(media)
    db.session.flush()
    key = f"renditions/{media.id}/360p.mp4"
    target = os.path.join(app.config["MEDIA_ROOT"], key)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy(clip, target)
    db.session.add(Rendition(media_id=media.id, label="360p", width=320, height=180, key=key,
                             size=os.path.getsize(target), mime="video/mp4"))
    return media
