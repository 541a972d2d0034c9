"""The keyed hash chain of development files: pure functions, no database, no Flask.

hash = HMAC-SHA256(key, scheme + canonical JSON of every stored field of the entry but the hash
itself: its id, created_at and prev_hash included). The key lives outside the database
(app/records/integrity.py), so someone who can only change rows cannot compute a hash that
verifies. Values are normalised first (UTC ISO times, hours to 3 decimals, scores to 4) so
SQLite and PostgreSQL round trips give the same text.

Entries written before migration 0014 carry sha256(prev_hash + canonical JSON of fewer fields);
`legacy_entry_hash` recognises them so `lms records rechain` can re-chain them once.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from decimal import Decimal

ENTRY_SCHEME = "lms-records-entry/2"
CHECKPOINT_SCHEME = "lms-records-checkpoint/1"

# Every column of development_entry except `hash` (a test keeps this list and the table equal).
ENTRY_FIELDS = ("id", "uid", "person_id", "sequence", "unit_id", "year", "kind", "occurred_at", "source",
                "course_id", "session_id", "attempt_id", "grant_id", "title", "hours", "score", "status", "note",
                "corrects_id", "recorded_by_id", "prev_hash", "created_at")

LEGACY_FIELDS = ("uid", "person_id", "sequence", "unit_id", "year", "kind", "occurred_at", "source", "course_id",
                 "session_id", "attempt_id", "grant_id", "title", "hours", "score", "status", "note", "corrects_id",
                 "recorded_by_id")


def normalise(value):
    """One text for a value whichever database it went through."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"  # naive values were stored as UTC
    if isinstance(value, Decimal):
        return str(value.quantize(HOURS_QUANTUM))
    if isinstance(value, float):
        return f"{value:.4f}"
    return value


HOURS_QUANTUM = Decimal("0.001")
_PLAIN = (int, str, type(None))
_HOURS = ENTRY_FIELDS.index("hours")
_LEGACY_INDEXES = tuple(ENTRY_FIELDS.index(name) for name in LEGACY_FIELDS)
# One encoder (json.dumps with options builds a new one per call); keys sorted, no spaces.
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def entry_values(entry) -> tuple:
    """The stored fields of an entry (an ORM object, a row or anything with the attributes), in
    ENTRY_FIELDS order."""
    return tuple(getattr(entry, name) for name in ENTRY_FIELDS)


def _normalised(values) -> list:
    texts = [value if type(value) in _PLAIN else normalise(value) for value in values]
    hours = values[_HOURS]
    if hours is None:
        texts[_HOURS] = "0.000"
    elif not isinstance(hours, Decimal):
        texts[_HOURS] = normalise(Decimal(str(hours)))
    return texts


def entry_hash(entry, key: bytes) -> str:
    """The keyed hash of an entry (any object or row with ENTRY_FIELDS as attributes)."""
    return entry_hash_of(entry_values(entry), key)


def entry_hash_of(values, key: bytes) -> str:
    """The keyed hash of an entry's stored fields given in ENTRY_FIELDS order."""
    message = ENTRY_SCHEME + "\n" + _encode(dict(zip(ENTRY_FIELDS, _normalised(values))))
    return hmac.digest(key, message.encode("utf-8"), "sha256").hex()


def legacy_entry_hash(entry, prev_hash: str) -> str:
    """The unkeyed hash entries had before migration 0014 (anyone could recompute it)."""
    return legacy_entry_hash_of(entry_values(entry), prev_hash)


def legacy_entry_hash_of(values, prev_hash: str) -> str:
    texts = _normalised(values)
    canonical = _encode({name: texts[index] for name, index in zip(LEGACY_FIELDS, _LEGACY_INDEXES)})
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def key_id(key: bytes) -> str:
    """A short name for the key that reveals nothing about it (written into checkpoints)."""
    return hmac.new(key, b"lms-records-key-id", hashlib.sha256).hexdigest()[:16]


def checkpoint_signature(body: dict, key: bytes) -> str:
    """The HMAC of a checkpoint's body (everything in the file but the signature)."""
    message = CHECKPOINT_SCHEME + "\n" + _encode(body)
    return hmac.digest(key, message.encode("utf-8"), "sha256").hex()


def checkpoint_digest(body: dict) -> str:
    """An unkeyed digest of a checkpoint's body: what the outbound feed carries, so anyone holding
    the file can check it against the receiver's copy without the key."""
    return hashlib.sha256(_encode(body).encode("utf-8")).hexdigest()
