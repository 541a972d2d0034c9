"""Resumable uploads: a file arrives in Content-Range chunks and survives a dropped link.

The protocol (used by static/js/upload.js, documented in docs and OpenAPI-free):

    POST /media/uploads          {"filename", "size", "sha256"?, "course_id"?}
                                 -> 201 {"id", "offset": 0, "chunk_size"}
    HEAD|GET /media/uploads/<id> -> {"offset": bytes stored}, also in the Upload-Offset header
    PUT /media/uploads/<id>      Content-Range: bytes a-b/total, body = the chunk
                                 a must equal the stored offset, else 409 with the offset;
                                 -> 200 {"offset"} or, on the last chunk, 201 {"offset", "media"}

The stored offset (UploadSession.received) is the truth; the part file is cut back
to it before each chunk is written, so a chunk cut off half-way by a dropped link
is simply sent again. On the last chunk the size and (if the browser sent one) the
SHA-256 are checked over the whole file, then services.ingest_file takes over.

Part files live in the storage's scratch folder, uploads/<session id>.part; the id is random
hex, so the uploader's file name never becomes a path. Only the account that
opened a session may continue it; sessions untouched for a day are removed.
"""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.media import services
from app.media.models import Media, UploadSession
from app.media.probe import MediaRejected
from app.org.models import Unit
from app.catalog.models import Course
from app.core.scope import scoped

CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
ABANDONED_AFTER = timedelta(days=1)

MESSAGES_ZH = {
    "bad_size": "文件大小无效。",
    "too_large": "文件太大：最大允许 {max_mb} MB。",
    "bad_checksum_format": "校验值格式无效。",
    "bad_range": "上传的数据块范围无效。",
    "chunk_too_large": "数据块太大：每块最多 {max_mb} MB。",
    "incomplete_chunk": "数据块不完整（连接中断），请从已保存的位置继续上传。",
    "size_mismatch": "上传的文件大小与声明的不一致，文件已丢弃，请重新上传。",
    "checksum_mismatch": "文件校验失败：上传的内容与原文件不一致（可能在传输中损坏），文件已丢弃，请重新上传。",
    "gone": "上传已失效，请重新上传。",
    "no_unit": "您的账号没有所属单位，不能上传文件。请管理员先为账号指定单位（新装的系统先运行 lms init 创建县级单位）。",
}


class UploadError(Exception):
    """A refused request; `status` is the HTTP answer, `message` Chinese text for the trainer."""

    def __init__(self, code: str, status: int = 400, offset: int | None = None, **values):
        self.code = code
        self.status = status
        self.offset = offset
        self.message = MESSAGES_ZH[code].format(**values)
        super().__init__(self.message)


def _uploads_path() -> Path:
    # Part files grow chunk by chunk and are cut back, which only a local file allows: they live
    # in the storage's scratch folder (on shared storage, as the media root, when scaled out).
    return services.media_storage().scratch_dir() / "uploads"


def uploads_folder() -> Path:
    folder = _uploads_path()
    folder.mkdir(exist_ok=True)
    return folder


def part_path(session: UploadSession) -> Path:
    if not SESSION_ID.fullmatch(session.id):  # never a path from anywhere else
        raise ValueError("invalid upload session id")
    return uploads_folder() / f"{session.id}.part"


def chunk_limit() -> int:
    return current_app.config["UPLOAD_CHUNK_BYTES"]


def open_session(account, *, filename: str, size, sha256: str | None = None, course=None) -> UploadSession:
    if owner_unit_for(account) is None:  # refused before any byte is sent, not after the last
        raise UploadError("no_unit", status=403)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise UploadError("bad_size")
    limit = current_app.config["MEDIA_MAX_UPLOAD_BYTES"]
    if size > limit:
        raise UploadError("too_large", status=413, max_mb=limit // (1024 * 1024))
    if sha256 is not None:
        sha256 = str(sha256).lower()
        if not SHA256_HEX.fullmatch(sha256):
            raise UploadError("bad_checksum_format")
    session = UploadSession(id=secrets.token_hex(16), account_id=account.id,
                            filename=services.display_name(filename), size=size, sha256=sha256, received=0,
                            course_id=course.id if course is not None else None)
    db.session.add(session)
    db.session.flush()
    part_path(session).touch()
    return session


def stored_offset(session: UploadSession) -> int:
    """The offset to continue from; a session whose part file vanished is gone."""
    path = part_path(session)
    if session.media_id is not None:
        return session.size
    if not path.exists() or path.stat().st_size < session.received:
        raise UploadError("gone", status=410)
    return session.received


def parse_content_range(header: str | None) -> tuple[int, int, int]:
    match = CONTENT_RANGE.match((header or "").strip())
    if not match:
        raise UploadError("bad_range")
    start, end, total = (int(value) for value in match.groups())
    if end < start:
        raise UploadError("bad_range")
    return start, end, total


def append_chunk(session: UploadSession, content_range: str | None, stream, *, uploader) -> Media | None:
    """Store one chunk; on the last one, check the whole file and ingest it.

    Returns the new Media once the upload is complete, else None. Raises UploadError
    (409 with the stored offset when the chunk does not start there) or MediaRejected.
    """
    start, end, total = parse_content_range(content_range)
    if session.media_id is not None:
        raise UploadError("bad_range", status=409, offset=session.size)
    offset = stored_offset(session)
    if total != session.size or end >= total:
        raise UploadError("bad_range")
    if start != offset:
        raise UploadError("bad_range", status=409, offset=offset)
    length = end - start + 1
    if length > chunk_limit():
        raise UploadError("chunk_too_large", status=413, max_mb=max(1, chunk_limit() // (1024 * 1024)))
    path = part_path(session)
    written = 0
    with path.open("r+b") as handle:
        handle.truncate(start)  # drop the tail of a chunk a dropped link cut off
        handle.seek(start)
        while written < length:
            block = stream.read(min(256 * 1024, length - written))
            if not block:
                break
            handle.write(block)
            written += len(block)
        if written < length or stream.read(1):
            handle.truncate(start)
            raise UploadError("incomplete_chunk", offset=start)
    session.received = start + length
    session.updated_at = utcnow()
    if session.received < session.size:
        db.session.flush()
        return None
    return _complete(session, uploader)


def _complete(session: UploadSession, uploader) -> Media:
    path = part_path(session)
    if path.stat().st_size != session.size:
        discard(session)
        raise UploadError("size_mismatch", status=422)
    digest = services.file_sha256(path)
    if session.sha256 and digest != session.sha256:
        discard(session)
        raise UploadError("checksum_mismatch", status=422)
    course = None
    if session.course_id is not None:
        course = db.session.scalar(scoped(Course, uploader).where(Course.id == session.course_id))
    try:
        media = services.ingest_file(path, original_name=session.filename, owner_unit=owner_unit_for(uploader),
                                     uploaded_by=uploader, course=course, sha256=digest)
    except MediaRejected:
        discard(session)
        raise
    session.media_id = media.id
    db.session.flush()
    return media


def owner_unit_for(account):
    """The unit media uploaded by `account` belong to: its own unit (an administrator without
    one: the root of the tree). None before any unit exists: ingest_file then refuses."""
    if account.scope_unit is not None:
        return account.scope_unit

    return db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))


def discard(session: UploadSession) -> None:
    """Delete the part file and the session (the row goes only if the request commits)."""
    part_path(session).unlink(missing_ok=True)
    db.session.delete(session)
    db.session.flush()


def discard_abandoned_sessions(now=None) -> int:
    """Remove sessions untouched for a day and part files without a session."""
    now = now or utcnow()
    removed = 0
    for session in db.session.scalars(select(UploadSession)):
        if now - as_utc(session.updated_at) > ABANDONED_AFTER:
            discard(session)
            removed += 1
    known = set(db.session.scalars(select(UploadSession.id)))
    folder = _uploads_path()  # read, not made: the hourly clean-up leaves no empty folder behind
    for path in (folder.glob("*.part") if folder.is_dir() else ()):
        if path.stem not in known and now.timestamp() - path.stat().st_mtime > ABANDONED_AFTER.total_seconds():
            path.unlink(missing_ok=True)
            removed += 1
    return removed
