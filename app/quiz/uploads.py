"""Bank files uploaded for import, kept between the preview and the confirmation.

Like the roster import: stored under MEDIA_ROOT/incoming/quiz/<uuid> (never the uploaded
name), with a sidecar recording the owner and the bank, so only the uploader can confirm it,
and only into that bank. Stale uploads are removed after a day.
"""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from flask import current_app

from app.quiz.formats import MAX_INPUT_BYTES

STALE_SECONDS = 24 * 3600
CHUNK = 1024 * 1024


class UploadTooLarge(ValueError):
    pass


def _folder() -> Path:
    folder = Path(current_app.config["MEDIA_ROOT"]) / "incoming" / "quiz"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _valid(upload_id: str) -> bool:
    try:
        return str(uuid.UUID(upload_id)) == upload_id
    except (ValueError, TypeError, AttributeError):
        return False


def store_upload(stream, *, owner_id: int, bank_id: int, filename: str) -> str:
    folder = _folder()
    _remove_stale(folder)
    upload_id = str(uuid.uuid4())
    target = folder / f"{upload_id}.part"
    written = 0
    try:
        with target.open("wb") as handle:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > MAX_INPUT_BYTES:
                    raise UploadTooLarge()
                handle.write(chunk)
    except Exception:
        target.unlink(missing_ok=True)
        raise
    target.rename(folder / f"{upload_id}.bin")
    (folder / f"{upload_id}.json").write_text(json.dumps(
        {"owner": owner_id, "bank": bank_id, "filename": (filename or "")[-200:]}))
    return upload_id


def load_upload(upload_id: str, *, owner_id: int, bank_id: int) -> tuple[bytes, str] | None:
    """(data, original file name) when the upload exists and belongs to owner and bank."""
    if not _valid(upload_id):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{upload_id}.json").read_text())
        data = (folder / f"{upload_id}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("owner") != owner_id or meta.get("bank") != bank_id:
        return None
    return data, meta.get("filename", "")


def discard_upload(upload_id: str) -> None:
    if not _valid(upload_id):
        return
    folder = _folder()
    for suffix in (".bin", ".json", ".part"):
        (folder / f"{upload_id}{suffix}").unlink(missing_ok=True)


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
