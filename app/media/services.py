"""Writes of the media domain: accepting a file, transcoding it, recovering stuck work.

Every accepted file takes the same road, whatever brought it (resumable upload,
plain form, API, `lms media ingest`): `ingest_file()` checks it (PDF magic, or the
probe for audio and video), stores it under a key built from the new Media id
("media/<id>/source", never the uploader's file name), creates the Media row,
starts the transcode job and, when a course is given, appends a lesson.

A refused file leaves nothing behind: no Media row, no lesson, no file. The
caller gets MediaRejected with the Chinese reason to show as-is.

Services flush, never commit; the job's own status writes go through short
separate transactions (like app.core.jobs.report_progress) because the
transcode runs for minutes outside any database transaction.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
import subprocess

from app.core.jobs import (Job, JobError, JobStatus, RetryableJobError, record_child_group, report_progress,
                           start_job)
from app.core.model_base import utcnow
from app.core.storage import Storage, storage_from_config
from app.extensions import db
from app.media.models import Media, MediaStatus, Rendition


from app.media.probe import Limits, MediaRejected, ProbeResult, Reason, probe, reject
from app.media.transcode import TranscodeFailed, transcode_and_publish
from app.media.transcode import POSTER_FILENAME, make_poster, poster_time
from app.catalog.services import add_lesson

log = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# Scratch folders of transcode jobs: "<prefix><job id>-<random>" in the storage's scratch folder.
JOB_SCRATCH_PREFIX = "job-"
# Folders of the naming before jobs named theirs, removed when older than this.
LEGACY_SCRATCH_AGE = timedelta(hours=1)

# Refusals that are not about the media itself (PDF checks); probe.py owns the rest.
DOCUMENT_MESSAGES_ZH = {
    "document_too_large": "文件太大：PDF 文档最大允许 {max_mb} MB。",
    "document_truncated": "PDF 文件不完整：文件在上传或拷贝时被截断，请用完整的原文件重新上传。",
}


def media_limits() -> Limits:
    return Limits.from_config(current_app.config)


def media_storage() -> Storage:
    return storage_from_config(current_app.config)


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def display_name(filename: str) -> str:
    """The uploaded file's base name, for display only: no folders, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    return name.strip()[:255]


def lesson_title_for(filename: str) -> str:
    """A lesson title from a file name: "马铃薯晚疫病_2023.mp4" -> "马铃薯晚疫病 2023"."""
    stem = display_name(filename)
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = re.sub(r"[_\s]+", " ", stem).strip(" .-")
    return stem[:120] or "未命名"


def _check_document(path: Path) -> None:
    limit = current_app.config["MEDIA_DOCUMENT_MAX_BYTES"]
    size = path.stat().st_size
    if size > limit:
        raise MediaRejected("document_too_large",
                            DOCUMENT_MESSAGES_ZH["document_too_large"].format(max_mb=limit // (1024 * 1024)))
    with path.open("rb") as handle:
        handle.seek(max(0, size - 2048))
        tail = handle.read()
    if b"%%EOF" not in tail:
        raise MediaRejected("document_truncated", DOCUMENT_MESSAGES_ZH["document_truncated"])


def _is_pdf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(PDF_MAGIC)) == PDF_MAGIC


def ingest_file(path: Path | str, *, original_name: str, owner_unit, uploaded_by=None, course=None,
                sha256: str | None = None, consume: bool = True) -> Media:
    """Check, store and register one file; start its transcode; add a lesson to `course`.

    `path` is a local file the caller no longer needs when `consume` is True: it is
    deleted whatever happens (the stored copy lives under the media's own key).
    Raises MediaRejected (nothing was stored) for a file we cannot use, or when there is no
    `owner_unit` (an account without a unit: every media belongs to a unit).
    """
    path = Path(path)
    try:
        if owner_unit is None:
            raise reject(Reason.NO_UNIT)
        if _is_pdf(path):
            _check_document(path)
            kind, probed = "document", None
        else:
            probed = probe(path, media_limits())
            kind = probed.kind
        media = Media(kind=kind, original_name=display_name(original_name), size=path.stat().st_size,
                      sha256=sha256 or file_sha256(path), owner_unit_id=owner_unit.id,
                      uploaded_by_id=uploaded_by.id if uploaded_by is not None else None)
        if probed is None:
            media.status, media.progress, media.mime = MediaStatus.READY, 100, "application/pdf"
        else:
            media.status, media.duration = MediaStatus.QUEUED, probed.duration
            if probed.is_video:
                media.width, media.height = probed.display_width, probed.display_height
        db.session.add(media)
        db.session.flush()
        media.source_key = media_storage().put_file(path, f"media/{media.id}/source")
    finally:
        if consume:
            path.unlink(missing_ok=True)
    if probed is not None:
        from app.media.tasks import transcode_media  # the task module imports this one (a cycle to remove)

        job = start_job("transcode", transcode_media, account=uploaded_by, unit=owner_unit,
                        payload={"media_id": media.id})
        media.job_id = job.id
    if course is not None:
        add_lesson(course, type=kind, title=lesson_title_for(original_name), media=media)
    db.session.flush()
    return media


IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF")
COVER_MAX_BYTES = 10 * 1024 * 1024
COVER_WIDTH = 960
IMAGE_MESSAGES_ZH = {
    "not_image": "这不是图片文件：封面请上传 JPG 或 PNG 图片。",
    "image_too_large": "图片太大：封面图片最大允许 10 MB。",
    "image_unreadable": "图片文件已损坏，无法读取，请换一张图片。",
}


def store_cover_image(path: Path | str, *, owner_unit, uploaded_by=None) -> Media:
    """A course cover: checked by content, then re-encoded by ffmpeg to a JPEG at most 960 px wide.

    Re-encoding drops metadata and anything hidden in the file; the original is not kept.
    Raises MediaRejected (nothing stored) for anything that is not a readable image.
    """
    path = Path(path)
    try:
        if owner_unit is None:
            raise reject(Reason.NO_UNIT)
        if path.stat().st_size > COVER_MAX_BYTES:
            raise MediaRejected("image_too_large", IMAGE_MESSAGES_ZH["image_too_large"])
        with path.open("rb") as handle:
            head = handle.read(16)
        if not head.startswith(IMAGE_MAGIC) or (head.startswith(b"RIFF") and head[8:12] != b"WEBP"):
            raise MediaRejected("not_image", IMAGE_MESSAGES_ZH["not_image"])
        with tempfile.TemporaryDirectory(prefix="lms-cover-") as workdir:
            output = Path(workdir) / "cover.jpg"
            result = subprocess.run(
                ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", f"file:{path.resolve()}", "-frames:v", "1",
                 "-vf", f"scale='min({COVER_WIDTH},iw)':-2", "-map_metadata", "-1", "-q:v", "4",
                 f"file:{output}"], capture_output=True, timeout=60)
            if result.returncode != 0 or not output.exists() or output.stat().st_size == 0:
                raise MediaRejected("image_unreadable", IMAGE_MESSAGES_ZH["image_unreadable"])
            media = Media(kind="image", status=MediaStatus.READY, progress=100, mime="image/jpeg",
                          original_name="cover.jpg", size=output.stat().st_size, sha256=file_sha256(output),
                          owner_unit_id=owner_unit.id,
                          uploaded_by_id=uploaded_by.id if uploaded_by is not None else None)
            db.session.add(media)
            db.session.flush()
            media.poster_key = media_storage().put_file(output, f"media/{media.id}/cover.jpg")
    finally:
        path.unlink(missing_ok=True)
    db.session.flush()
    return media


def discard_media_files(media: Media) -> None:
    """Remove everything stored for this media (used when its row is deleted)."""
    media_storage().delete_prefix(f"media/{media.id}")


# --- the transcode job -----------------------------------------------------------------------

def _set_media(media_id: int, **values) -> None:
    """Write media status/progress at once, in its own short transaction (see report_progress)."""
    with db.engine.begin() as connection:
        connection.execute(update(Media).where(Media.id == media_id).values(**values))


def run_transcode_job(job: Job, media_id: int) -> dict:
    """Transcode one media's source into its ladder and record the result (the job commits).

    Safe to run again: a ready media is left alone, and publishing replaces an earlier
    attempt's ladder as a whole. A failure the file causes fails at once; a killed
    ffmpeg is retried until MEDIA_TRANSCODE_ATTEMPTS tries were made.
    """
    media = db.session.get(Media, media_id)
    if media is None:
        raise JobError("媒体文件已被删除。")
    if media.status == MediaStatus.READY:
        return {"media_id": media.id, "skipped": True}
    storage = media_storage()
    source = storage.path_for(media.source_key) if media.source_key else None
    if source is None or not source.exists():
        _set_media(media_id, status=MediaStatus.FAILED, error="原始文件丢失，请重新上传。")
        raise JobError("原始文件丢失，请重新上传。")
    _set_media(media_id, status=MediaStatus.PROCESSING, progress=0, error=None, attempts=job.attempts)

    def on_progress(percent: int) -> None:
        report_progress(job, percent)
        _set_media(media_id, progress=percent)

    def on_spawn(pgid: int | None) -> None:
        try:
            record_child_group(job, pgid)
        except Exception:  # the transcode goes on; only crash clean-up would miss the group
            log.warning("could not record ffmpeg's process group for job %s", job.id, exc_info=True)

    try:
        probed: ProbeResult = probe(source, media_limits())
        ladder = transcode_and_publish(source, probed, storage, f"media/{media_id}/ladder", on_progress,
                                       scratch_root=_scratch_root(), scratch_prefix=_scratch_prefix(job.id),
                                       on_spawn=on_spawn)
    except MediaRejected as rejected:
        _set_media(media_id, status=MediaStatus.FAILED, error=rejected.message)
        raise JobError(rejected.message) from None
    except TranscodeFailed as failed:
        log.warning("transcode of media %s failed (%s): %s", media_id, failed.code, failed.stderr_tail)
        if failed.retryable and job.attempts < current_app.config["MEDIA_TRANSCODE_ATTEMPTS"]:
            _set_media(media_id, status=MediaStatus.QUEUED, progress=0, error=None)
            raise RetryableJobError(failed.message) from None
        _set_media(media_id, status=MediaStatus.FAILED, error=failed.message)
        raise JobError(failed.message) from None

    media.renditions = [
        Rendition(label=item["label"], width=item["width"] or None, height=item["height"] or None,
                  bitrate=item["bitrate"], key=item["key"], size=item["size"],
                  mime="audio/mp4" if item["label"] == "audio" else "video/mp4")
        for item in ladder.renditions
    ]
    media.duration = ladder.duration
    if probed.is_video:
        media.width, media.height = probed.display_width, probed.display_height
    media.poster_key = ladder.poster_key
    media.status, media.progress, media.error = MediaStatus.READY, 100, None
    media.attempts = job.attempts
    media.mime = "video/mp4" if probed.is_video else "audio/mp4"
    db.session.flush()
    return {"media_id": media.id, "renditions": [item["label"] for item in ladder.renditions]}


def _scratch_root() -> str:
    """The storage's scratch space (beside the media root), so publishing copies on one filesystem."""
    return str(media_storage().scratch_dir())


def _scratch_prefix(job_id: int) -> str:
    return f"{JOB_SCRATCH_PREFIX}{job_id}-"


def transcode_lost(job: Job, giving_up: bool) -> None:
    """The worker running this transcode died (app.core.jobs.recover_lost_jobs): remove its
    scratch folder and put the media back in the queue, or fail it when the job gives up."""
    root = Path(_scratch_root())
    for folder in root.glob(f"{_scratch_prefix(job.id)}*"):
        shutil.rmtree(folder, ignore_errors=True)
    media_id = job.payload.get("media_id")
    media = db.session.get(Media, media_id) if media_id is not None else None
    if media is None or media.status == MediaStatus.READY:
        return
    if giving_up:
        media.status, media.error = MediaStatus.FAILED, FAILURE_AFTER_CRASHES_ZH
    else:
        media.status, media.progress, media.error = MediaStatus.QUEUED, 0, None
    db.session.flush()


FAILURE_AFTER_CRASHES_ZH = "转码进程多次意外终止（可能是文件损坏或服务器资源不足），已停止重试。"


def discard_orphan_scratch() -> list[str]:
    """Remove scratch folders no running job owns (their job finished, failed or was queued
    again after a crash), and folders of the older naming past LEGACY_SCRATCH_AGE."""
    folders = [folder for folder in Path(_scratch_root()).iterdir() if folder.is_dir()]
    # Read after listing: a folder listed was made by a job claimed (running) before this read,
    # so a job starting meanwhile elsewhere never loses its folder.
    running = set(db.session.scalars(select(Job.id).where(Job.status == JobStatus.RUNNING)))
    removed = []
    for folder in folders:
        name = folder.name
        if name.startswith(JOB_SCRATCH_PREFIX):
            number = name[len(JOB_SCRATCH_PREFIX):].split("-", 1)[0]
            orphan = not number.isdigit() or int(number) not in running
        else:
            age = utcnow().timestamp() - folder.stat().st_mtime
            orphan = name.startswith("lms-transcode-") and age > LEGACY_SCRATCH_AGE.total_seconds()
        if orphan:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(name)
    return removed


def redo_poster(media: Media) -> bool:
    """Make the poster of a transcoded video again, as transcoding makes it now (display size,
    under the poster budget), from its largest rendition. False when there is nothing to use."""
    renditions = [r for r in media.renditions if r.label != "audio" and r.width and r.height]
    if media.kind != "video" or media.status != MediaStatus.READY or not renditions:
        return False
    largest = max(renditions, key=lambda r: r.width * r.height)
    storage = media_storage()
    if not storage.exists(largest.key):
        return False
    scratch = Path(tempfile.mkdtemp(prefix="lms-poster-", dir=_scratch_root()))
    try:
        source = storage.path_for(largest.key)
        if source is None:  # remote storage: a local copy for ffmpeg
            source = scratch / "rendition.mp4"
            with storage.open(largest.key) as remote, source.open("wb") as local:
                shutil.copyfileobj(remote, local)
        target = scratch / POSTER_FILENAME
        make_poster(source, target, poster_time(media.duration or 0))
        key = media.poster_key or f"{largest.key.rsplit('/', 1)[0]}/{POSTER_FILENAME}"
        media.poster_key = storage.put_file(target, key)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    db.session.flush()
    return True


def delete_local_file(path: Path | str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
