"""Uploads that wait for something: a preview and a confirmation, or a job.

One service for every such upload (a roster, a question bank, a course package): `stage` keeps
the uploaded bytes under a random id, never the uploaded name, with who uploaded it and what
the domain wants to remember (the bank, the file kind, the name to show); `find` gives it back
only to its uploader and only for what it was staged for; `discard` removes it once used;
`expire` removes what nobody confirmed within STAGED_UPLOAD_HOURS (hourly job, and on every
new upload). The bytes go through app.core.storage under "staged/<kind>/<id>/", so shared or
S3 storage is configuration only; `local_file` hands a parser a local path whatever the
storage (a copy in the scratch folder when the storage is remote).

`scratch_file` and `scratch_dir` are where a request or a job puts work files that are never
staged (a media upload being probed before it is stored under its media key).
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from flask import current_app
from huey import crontab

from app.core.jobs import periodic
from app.core.model_base import as_utc, utcnow
from app.core.storage import InvalidKey, Storage, storage_from_config, validate_key

log = logging.getLogger(__name__)

PREFIX = "staged"
CHUNK = 1024 * 1024
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


class StagedTooLarge(ValueError):
    """The upload is larger than the limit it was staged under; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"upload larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StagedUpload:
    kind: str
    id: str
    meta: dict

    @property
    def owner_id(self) -> int:
        return self.meta["owner"]

    @property
    def filename(self) -> str:
        """The uploaded file's name, for display only."""
        return self.meta.get("filename", "")

    @property
    def staged_at(self) -> datetime:
        return as_utc(datetime.fromisoformat(self.meta["staged_at"]))

    @property
    def file_key(self) -> str:
        return _key(self.kind, self.id, "file")


def _storage() -> Storage:
    return storage_from_config(current_app.config)


def _key(kind: str, upload_id: str, name: str) -> str:
    return validate_key(f"{PREFIX}/{kind}/{upload_id}/{name}")


def _valid_id(upload_id: Any) -> bool:
    return isinstance(upload_id, str) and _UPLOAD_ID.fullmatch(upload_id) is not None


def stage(kind: str, stream: IO[bytes], *, owner_id: int, max_bytes: int, filename: str = "",
          meta: dict | None = None, inspect: Callable[[Path], dict] | None = None) -> StagedUpload:
    """Keep an upload until it is confirmed; returns it (its id goes into the preview form).

    `inspect(path)` looks at the bytes before anything is kept (it may raise the domain's own
    error, and may return more to remember). Raises StagedTooLarge past `max_bytes`.
    """
    validate_key(f"{PREFIX}/{kind}")
    storage = _storage()
    expire(kind)
    upload_id = uuid.uuid4().hex
    with scratch_file(".upload") as local:
        written = 0
        with local.open("wb") as target:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise StagedTooLarge(max_bytes)
                target.write(chunk)
        record = {**(meta or {}), **(inspect(local) if inspect is not None else {})}
        record.update(owner=owner_id, filename=(filename or "")[-200:], size=written, staged_at=utcnow().isoformat())
        # The record first: `expire` running meanwhile sees how young the folder is, and `find`
        # answers None until the file is there too.
        with scratch_file(".json") as record_file:
            record_file.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            storage.put_file(record_file, _key(kind, upload_id, "meta.json"))
        storage.put_file(local, _key(kind, upload_id, "file"))
    return StagedUpload(kind, upload_id, record)


def find(kind: str, upload_id: Any, *, owner_id: int, **expected) -> StagedUpload | None:
    """The staged upload when `upload_id` is well-formed, still there, staged by `owner_id`
    and recorded with the `expected` values (e.g. bank=3); else None. Never raises for a
    hostile id."""
    if not _valid_id(upload_id):
        return None
    try:
        meta = _read_meta(_storage(), kind, upload_id)
    except (OSError, ValueError, InvalidKey):
        return None
    if meta.get("owner") != owner_id or any(meta.get(name) != value for name, value in expected.items()):
        return None
    staged = StagedUpload(kind, upload_id, meta)
    return staged if _storage().exists(staged.file_key) else None


def _read_meta(storage: Storage, kind: str, upload_id: str) -> dict:
    with storage.open(_key(kind, upload_id, "meta.json")) as handle:
        meta = json.loads(handle.read().decode("utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("staged record is not an object")
    return meta


def read_bytes(staged: StagedUpload) -> bytes:
    with _storage().open(staged.file_key) as handle:
        return handle.read()


@contextmanager
def local_file(staged: StagedUpload) -> Iterator[Path]:
    """A local path of the staged bytes for a parser: the stored file itself on local storage,
    else a copy in the scratch folder removed afterwards."""
    storage = _storage()
    path = storage.path_for(staged.file_key)
    if path is not None:
        yield path
        return
    with scratch_file(".upload") as copy, storage.open(staged.file_key) as source, copy.open("wb") as target:
        shutil.copyfileobj(source, target, CHUNK)
        target.close()
        yield copy


def discard(kind: str, upload_id: Any) -> None:
    """Remove a staged upload (used, refused or abandoned); a malformed or missing id is fine."""
    if _valid_id(upload_id):
        _storage().delete_prefix(f"{PREFIX}/{validate_key(kind)}/{upload_id}")


def expire(kind: str | None = None, *, now: datetime | None = None) -> int:
    """Remove staged uploads older than STAGED_UPLOAD_HOURS (of one kind, or all); returns how many."""
    storage = _storage()
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["STAGED_UPLOAD_HOURS"])
    folders = {tuple(key.split("/")[1:3]) for key in storage.list_prefix(f"{PREFIX}/{kind}" if kind else PREFIX)}
    removed = 0
    for folder_kind, upload_id in sorted(folders):
        try:
            staged_at = StagedUpload(folder_kind, upload_id, _read_meta(storage, folder_kind, upload_id)).staged_at
        except (OSError, ValueError, KeyError, TypeError):
            staged_at = None  # no readable record: half-written or damaged, nothing can confirm it
        if staged_at is None or staged_at < cutoff:
            storage.delete_prefix(f"{PREFIX}/{folder_kind}/{upload_id}")
            removed += 1
    return removed


@periodic(crontab(minute="41"))
def expire_staged_uploads() -> None:
    """Every hour: staged uploads nobody confirmed in time."""
    removed = expire()
    if removed:
        log.info("removed %d staged uploads nobody confirmed", removed)


def scratch_dir(prefix: str) -> Path:
    """A new private folder for work files (the caller removes it)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_storage().scratch_dir()))


@contextmanager
def scratch_file(suffix: str = "") -> Iterator[Path]:
    """A fresh path in the scratch folder (a random name, never an uploaded one), removed afterwards."""
    path = _storage().scratch_dir() / f"{uuid.uuid4().hex}{suffix}"
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
