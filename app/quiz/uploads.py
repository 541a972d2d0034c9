"""Bank files uploaded for import, kept between the preview and the confirmation.

Staged through app.core.staging like the roster import: under a random id (never the uploaded
name), recorded with the owner and the bank, so only the uploader can confirm it, and only into
that bank. Unconfirmed uploads expire after LMS_STAGED_UPLOAD_HOURS.
"""
from __future__ import annotations

from app.core import staging
from app.quiz.formats import MAX_INPUT_BYTES

STAGED_KIND = "question-bank"

UploadTooLarge = staging.StagedTooLarge


def store_upload(stream, *, owner_id: int, bank_id: int, filename: str) -> str:
    """Stage the file; returns its id. Raises UploadTooLarge past the parsers' input limit."""
    return staging.stage(STAGED_KIND, stream, owner_id=owner_id, max_bytes=MAX_INPUT_BYTES, filename=filename,
                         meta={"bank": bank_id}).id


def load_upload(upload_id: str, *, owner_id: int, bank_id: int) -> tuple[bytes, str] | None:
    """(data, original file name) when the upload exists and belongs to owner and bank."""
    staged = staging.find(STAGED_KIND, upload_id, owner_id=owner_id, bank=bank_id)
    if staged is None:
        return None
    return staging.read_bytes(staged), staged.filename


def discard_upload(upload_id: str) -> None:
    staging.discard(STAGED_KIND, upload_id)
