"""Where media files live: one small interface, a local folder implementation.

Keys are built by the caller from ids ("media/123/v2/360p.mp4"), never from
uploaded file names, and every key is validated here as well: lower-case ASCII
letters, digits, "_", "." and "-" in "/"-separated segments, no segment that
starts with "." (which also rules out ".." and the staging folder), no
absolute paths. A hostile name therefore cannot become a path.

Publishing is atomic: put_tree copies a finished folder (a transcode's output)
into a hidden staging folder on the same filesystem, then renames it into place,
so a reader sees either no ladder or the whole ladder, never half of one.

LocalStorage serves LMS_MEDIA_ROOT on one machine; an S3-compatible or shared
storage class implements the same methods later (path_for then returns None and
the app redirects to a signed URL instead of sending the file).
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

_SEGMENT = re.compile(r"[a-z0-9_\-][a-z0-9_.\-]{0,127}")
MAX_KEY_LENGTH = 512
STAGING = ".staging"
SCRATCH = ".scratch"


class InvalidKey(ValueError):
    pass


def validate_key(key: str) -> str:
    """Return the key unchanged if it is safe, else raise InvalidKey."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"invalid storage key: {key!r}")
    segments = key.split("/")
    if not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


class Storage(ABC):
    """The operations the media code needs, whatever holds the bytes."""

    @abstractmethod
    def put_file(self, local_path: Path | str, key: str) -> str:
        """Store one file under key, replacing any file there, atomically."""

    @abstractmethod
    def put_tree(self, local_dir: Path | str, key_prefix: str) -> list[str]:
        """Publish every file of local_dir under key_prefix/ at once; returns the keys.

        An existing tree at key_prefix is replaced as a whole.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A binary file object for reading (the caller closes it)."""

    @abstractmethod
    def path_for(self, key: str) -> Path | None:
        """A local path the web server can send directly, or None for remote storage."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def list_prefix(self, key_prefix: str) -> list[str]: ...

    @abstractmethod
    def delete_prefix(self, key_prefix: str) -> None:
        """Remove every key under key_prefix/ (and key_prefix itself); missing is fine."""

    @abstractmethod
    def scratch_dir(self) -> Path:
        """A local folder for work files that are never served (uploads being checked, ffmpeg
        output before it is published); on the storage's own filesystem where it has one."""


class LocalStorage(Storage):
    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    # -- helpers ------------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        path = self.root.joinpath(*validate_key(key).split("/"))
        # Belt and braces: the pattern already excludes "..", but symlinks could still lead out.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"storage key leaves the media root: {key!r}")
        return path

    def _staging_path(self) -> Path:
        staging = self.root / STAGING
        staging.mkdir(exist_ok=True)
        return staging / uuid.uuid4().hex

    @staticmethod
    def _copy_synced(source: Path, target: Path) -> None:
        with source.open("rb") as reader, target.open("wb") as writer:
            shutil.copyfileobj(reader, writer, 1024 * 1024)
            writer.flush()
            os.fsync(writer.fileno())

    # -- interface ----------------------------------------------------------------------------
    def put_file(self, local_path: Path | str, key: str) -> str:
        target = self._path(key)
        staged = self._staging_path()
        try:
            self._copy_synced(Path(local_path), staged)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        finally:
            staged.unlink(missing_ok=True)
        return key

    def put_tree(self, local_dir: Path | str, key_prefix: str) -> list[str]:
        local_dir = Path(local_dir)
        target = self._path(key_prefix)
        files = sorted(path for path in local_dir.rglob("*") if path.is_file())
        relative_keys = [path.relative_to(local_dir).as_posix() for path in files]
        for relative in relative_keys:
            validate_key(f"{key_prefix}/{relative}")
        staged = self._staging_path()
        try:
            for path, relative in zip(files, relative_keys):
                destination = staged.joinpath(*relative.split("/"))
                destination.parent.mkdir(parents=True, exist_ok=True)
                self._copy_synced(path, destination)
            staged.mkdir(exist_ok=True)  # an empty tree is still published
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                # A directory cannot be renamed over a non-empty one: move the old tree aside
                # first; readers briefly find nothing, never a mix of two versions.
                retired = self._staging_path()
                os.replace(target, retired)
                os.replace(staged, target)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.replace(staged, target)
        finally:
            if staged.exists():
                shutil.rmtree(staged, ignore_errors=True)
        return [f"{key_prefix}/{relative}" for relative in relative_keys]

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def path_for(self, key: str) -> Path | None:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def list_prefix(self, key_prefix: str) -> list[str]:
        base = self._path(key_prefix)
        if not base.is_dir():
            return []
        return sorted(f"{key_prefix}/{path.relative_to(base).as_posix()}" for path in base.rglob("*") if path.is_file())

    def scratch_dir(self) -> Path:
        # Hidden from keys (no segment starts with "."), on the media root's filesystem.
        scratch = self.root / SCRATCH
        scratch.mkdir(exist_ok=True)
        return scratch

    def delete_prefix(self, key_prefix: str) -> None:
        target = self._path(key_prefix)
        if not target.exists():
            return
        if target.is_dir():
            # Rename first so the whole tree disappears at once, then delete at leisure.
            retired = self._staging_path()
            os.replace(target, retired)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            target.unlink(missing_ok=True)


def storage_from_config(config) -> Storage:
    """The storage the app is configured for (only the local folder for now)."""
    return LocalStorage(config["MEDIA_ROOT"])
