"""Integrity of development files: the chain key, verification, the signed checkpoint of every
person's head, and re-chaining the entries written before the keyed chain (migration 0014).

Three things together notice a change made behind the application's back:
- each entry's keyed hash (app/records/hashing.py) covers every stored field and the previous
  hash, so an edited, inserted or reordered entry breaks its person's chain;
- the checkpoint file (outside the database, signed with the same key) holds each person's head,
  the entry count and the last hash, so a file that lost its last entries, or all of them,
  no longer reaches its head;
- the outbound feed carries each entry's sequence and hash and each checkpoint's digest, so a
  copy outside this machine can tell a rolled-back checkpoint too.
What each part proves and what it does not: docs/security.md, "Development file integrity".
"""
from __future__ import annotations

import hmac
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select

from app.core.model_base import utcnow
from app.core.scope import subtree_condition
from app.core.security import load_or_create_instance_key
from app.extensions import db
from app.org.models import Person, Unit
from app.records.hashing import (ENTRY_FIELDS, checkpoint_digest, checkpoint_signature, entry_hash, entry_hash_of,
                                 key_id, legacy_entry_hash, legacy_entry_hash_of, normalise)
from app.records.models import DevelopmentEntry
from app.records.outbox import enqueue_checkpoint
from app.records.outbox import refresh_pending_statements
from app.study.credit import lock_people

KEY_FILE = "records_key"
CHECKPOINT_FORMAT = "lms-records-checkpoint/1"
MIN_KEY_LENGTH = 32
RECHAIN_CHUNK = 200


class CheckpointError(Exception):
    """The checkpoint file cannot be trusted (changed, unreadable or signed with another key)."""


def chain_key() -> bytes:
    """The key of the chain: LMS_RECORDS_KEY, else instance/records_key (made on first use)."""
    key = current_app.config.get("RECORDS_KEY")
    if not key:
        key = load_or_create_instance_key(current_app.instance_path, KEY_FILE)
        current_app.config["RECORDS_KEY"] = key
    if len(key) < MIN_KEY_LENGTH:
        raise RuntimeError(f"The development-file key must have at least {MIN_KEY_LENGTH} characters.")
    return key.encode("utf-8")


# --- the checkpoint file -------------------------------------------------------------------

@dataclass(frozen=True)
class Head:
    """A person's file as a checkpoint records it: the entry count and the last entry."""

    entries: int
    last_id: int
    last_hash: str
    unit_id: int | None
    name: str
    legacy: bool = False  # holds entries hashed without the key (before migration 0014)

    def as_dict(self) -> dict:
        return {"entries": self.entries, "last_id": self.last_id, "last_hash": self.last_hash,
                "unit_id": self.unit_id, "name": self.name, "legacy": self.legacy}

    @classmethod
    def from_dict(cls, values: dict) -> Head:
        return cls(entries=int(values["entries"]), last_id=int(values["last_id"]), last_hash=str(values["last_hash"]),
                   unit_id=values.get("unit_id"), name=str(values.get("name", "")),
                   legacy=bool(values.get("legacy", False)))


@dataclass
class Checkpoint:
    number: int
    written_at: str
    entries: int
    heads: dict[int, Head]
    signature: str
    digest: str
    held_back: list[int] = field(default_factory=list)  # people whose file no longer reaches its head


def checkpoint_path() -> Path:
    return Path(current_app.config["RECORDS_CHECKPOINT_PATH"])


def read_checkpoint(key: bytes) -> Checkpoint | None:
    """The last checkpoint, its signature checked; None before the first one."""
    path = checkpoint_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        signature = document.pop("signature")
        if document.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("unknown format")
        heads = {int(person_id): Head.from_dict(values) for person_id, values in document["people"].items()}
        number, written_at, entries = int(document["number"]), str(document["written_at"]), int(document["entries"])
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CheckpointError(f"The checkpoint file {path} is not a readable checkpoint.") from None
    if document.get("key_id") != key_id(key):
        raise CheckpointError(f"The checkpoint file {path} was signed with another key "
                              f"(key id {document.get('key_id')}; this instance's key is {key_id(key)}).")
    if not hmac.compare_digest(str(signature), checkpoint_signature(document, key)):
        raise CheckpointError(f"The checkpoint file {path} was changed after it was signed.")
    return Checkpoint(number=number, written_at=written_at, entries=entries, heads=heads, signature=str(signature),
                      digest=checkpoint_digest(document))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_checkpoint(*, rechained: frozenset[int] = frozenset()) -> Checkpoint:
    """Record every person's head in a new signed checkpoint (and the outbound feed).

    A head only moves forward: a file that no longer reaches the head the previous checkpoint
    recorded (an entry or the whole file removed, the last entry changed) keeps that head, so
    `verify` goes on naming it. People just re-chained (`rechained`) take their new head.
    A checkpoint file that fails its signature is refused (CheckpointError); the caller commits
    the outbox row.
    """
    key = chain_key()
    previous = read_checkpoint(key)
    anchors = {person_id: head for person_id, head in (previous.heads if previous else {}).items()
               if person_id not in rechained}
    heads: dict[int, Head] = {}
    held_back: list[int] = []
    for chain in scan_chains(key, previous, rechained=rechained):
        if chain.holds_anchor:
            heads[chain.person_id] = chain.head
        else:
            heads[chain.person_id] = anchors[chain.person_id]
            held_back.append(chain.person_id)
    for person_id, anchor in anchors.items():
        if person_id not in heads:  # the whole file is gone
            heads[person_id] = anchor
            held_back.append(person_id)
    body = {
        "format": CHECKPOINT_FORMAT,
        "number": previous.number + 1 if previous else 1,
        "written_at": normalise(utcnow()),
        "key_id": key_id(key),
        "previous_signature": previous.signature if previous else "",
        "entries": sum(head.entries for head in heads.values()),
        "people": {str(person_id): heads[person_id].as_dict() for person_id in sorted(heads)},
    }
    signature = checkpoint_signature(body, key)
    _write_atomically(checkpoint_path(), json.dumps({**body, "signature": signature}, ensure_ascii=False,
                                                    sort_keys=True, indent=0))
    checkpoint = Checkpoint(number=body["number"], written_at=body["written_at"], entries=body["entries"],
                            heads=heads, signature=signature, digest=checkpoint_digest(body),
                            held_back=sorted(held_back))
    enqueue_checkpoint(checkpoint, previous_signature=body["previous_signature"])
    return checkpoint


# --- walking the chains --------------------------------------------------------------------

@dataclass
class ChainProblem:
    person_id: int
    person_name: str
    entry_id: int
    sequence: int
    problem: str


@dataclass
class PersonChain:
    """One person's file as stored, after checking each entry and the checkpointed head."""

    person_id: int
    name: str
    head: Head  # the last entry as stored, whatever its state
    checked: int
    first_id: int
    legacy_entries: int  # unkeyed entries where they are expected (a file from before the upgrade)
    unkeyed_entries: int  # every entry whose hash is the unkeyed formula's, expected or not
    problem: ChainProblem | None
    holds_anchor: bool  # the file still holds the head the checkpoint recorded (True without one)


UNKNOWN_NAME = "?"


class _ChainWalker:
    def __init__(self, first, anchor: Head | None, key: bytes, anchored_at: str, checkpoint_exists: bool):
        self.person_id = first.person_id
        self.anchor, self.key, self.anchored_at = anchor, key, anchored_at
        # Unkeyed entries are expected only in files from before the upgrade: before the first
        # checkpoint, or in a file the checkpoint recorded with them.
        self.legacy_permitted = anchor.legacy if anchor is not None else not checkpoint_exists
        self.name = first.person_name if first.person_row is not None else (anchor.name if anchor else UNKNOWN_NAME)
        self.first_id = first.id
        self.expected, self.prev_hash, self.keyed_seen = 1, "", False
        self.legacy, self.unkeyed, self.checked, self.last = 0, 0, 0, first
        self.holds_anchor = anchor is None
        self.problem: ChainProblem | None = None
        if first.person_row is None:
            self._fail(first, "the person's row is gone: it was deleted behind the application's back "
                              "(people are archived, never deleted)")

    def _fail(self, row, text: str) -> None:
        if self.problem is None:
            self.problem = ChainProblem(self.person_id, self.name, row.id, row.sequence, text)

    def add(self, row) -> None:
        self.checked += 1
        self.last = row
        anchor = self.anchor
        if anchor is not None and row.sequence == anchor.entries:
            if row.id == anchor.last_id and row.hash == anchor.last_hash:
                self.holds_anchor = True
            else:
                self._fail(row, f"it is not the entry the checkpoint of {self.anchored_at} recorded as #{anchor.entries} "
                                f"(entry {anchor.last_id}, hash {anchor.last_hash[:12]}…)")
        if row.sequence != self.expected:
            self._fail(row, f"entry #{self.expected} is missing (found #{row.sequence})")
        elif row.prev_hash != self.prev_hash:
            self._fail(row, "its link to the previous entry does not match (an earlier entry was changed or removed)")
        elif hmac.compare_digest(entry_hash_of(values := tuple(row)[:_STORED], self.key), str(row.hash)):
            self.keyed_seen = True
        elif legacy_entry_hash_of(values, row.prev_hash) == row.hash:
            self.unkeyed += 1
            if self.keyed_seen or not self.legacy_permitted:
                self._fail(row, "its hash is the unkeyed SHA-256 of its content, not the keyed hash: "
                                "it was written or recomputed without the key")
            else:
                self.legacy += 1
        else:
            self._fail(row, "its content does not match its hash (a field was changed)")
        self.prev_hash, self.expected = row.hash, row.sequence + 1

    def finish(self) -> PersonChain:
        last, anchor = self.last, self.anchor
        if not self.holds_anchor and last.sequence < anchor.entries:
            self._fail(_Missing(anchor.last_id, anchor.entries),
                       f"entries #{last.sequence + 1}–#{anchor.entries} are missing: the checkpoint of "
                       f"{self.anchored_at} recorded {anchor.entries} entries ending in entry {anchor.last_id}")
        head = Head(entries=last.sequence, last_id=last.id, last_hash=last.hash, unit_id=last.unit_id, name=self.name,
                    legacy=self.legacy > 0)
        return PersonChain(self.person_id, self.name, head, self.checked, self.first_id, self.legacy, self.unkeyed,
                           self.problem, self.holds_anchor)


_STORED = len(ENTRY_FIELDS)  # the leading columns of _entry_rows: the hashed fields


@dataclass
class _Missing:
    id: int
    sequence: int


def _entry_rows(unit_path: str | None):
    """Every entry with its person's name (None when the person row is gone), in chain order.

    Plain rows, not ORM objects: verifying the demo county or a township's millions of entries
    spends its time hashing, not building objects.
    """
    entry = DevelopmentEntry.__table__
    statement = (select(*(entry.c[name] for name in ENTRY_FIELDS), entry.c.hash,
                        Person.name.label("person_name"), Person.id.label("person_row"))
                 .select_from(entry.outerjoin(Person.__table__, Person.id == entry.c.person_id))
                 .order_by(entry.c.person_id, entry.c.sequence))
    if unit_path is not None:
        units = select(Unit.id).where(subtree_condition(Unit.path, unit_path))
        statement = statement.where(or_(Person.unit_id.in_(units),
                                        and_(Person.id.is_(None), entry.c.unit_id.in_(units))))
    return db.session.execute(statement.execution_options(yield_per=2000))


def scan_chains(key: bytes, checkpoint: Checkpoint | None, unit_path: str | None = None, *,
                rechained: frozenset[int] = frozenset()) -> Iterator[PersonChain]:
    """Walk every file (of people in the unit's subtree) and check it against the head the
    checkpoint recorded (`rechained` people: against none, their hashes were just replaced)."""
    anchors = checkpoint.heads if checkpoint else {}
    anchored_at = checkpoint.written_at if checkpoint else ""
    walker: _ChainWalker | None = None
    for row in _entry_rows(unit_path):
        if walker is None or row.person_id != walker.person_id:
            if walker is not None:
                yield walker.finish()
            anchor = anchors.get(row.person_id) if row.person_id not in rechained else None
            walker = _ChainWalker(row, anchor, key, anchored_at, checkpoint is not None)
        walker.add(row)
    if walker is not None:
        yield walker.finish()


# --- verification --------------------------------------------------------------------------

@dataclass
class VerifyReport:
    checked: int = 0
    people: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    checkpoint_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.checkpoint_error is None


def verify_chains(unit_path: str | None = None) -> VerifyReport:
    """Recompute every chain (of people in the unit's subtree) and hold it against the checkpoint:
    the first broken entry per person, and every file that lost what the checkpoint recorded."""
    key = chain_key()
    report = VerifyReport()
    try:
        report.checkpoint = read_checkpoint(key)
    except CheckpointError as error:
        report.checkpoint_error = str(error)
    anchors = report.checkpoint.heads if report.checkpoint else {}
    anchored_at = report.checkpoint.written_at if report.checkpoint else ""
    seen: set[int] = set()
    for chain in scan_chains(key, report.checkpoint, unit_path):
        seen.add(chain.person_id)
        report.checked += chain.checked
        report.people += 1
        if chain.problem is not None:
            report.problems.append(chain.problem)
        elif chain.legacy_entries:
            report.problems.append(ChainProblem(
                chain.person_id, chain.name, chain.first_id, 1,
                f"entries #1–#{chain.legacy_entries} still carry the unkeyed hash of versions before the keyed "
                "chain: run `lms records rechain` once after upgrading"))
    report.problems.extend(_files_gone(anchors, seen, unit_path, anchored_at))
    report.problems.sort(key=lambda problem: (problem.person_id, problem.sequence))
    return report


def _files_gone(anchors: dict[int, Head], seen: set[int], unit_path: str | None,
                anchored_at: str) -> list[ChainProblem]:
    gone = [person_id for person_id in anchors if person_id not in seen]
    if not gone:
        return []
    people = {row.id: row for row in db.session.execute(
        select(Person.id, Person.name, Person.unit_id).where(Person.id.in_(gone)))}
    units = None
    if unit_path is not None:
        units = set(db.session.scalars(select(Unit.id).where(subtree_condition(Unit.path, unit_path))))
    problems = []
    for person_id in gone:
        anchor, person = anchors[person_id], people.get(person_id)
        if units is not None and (person.unit_id if person else anchor.unit_id) not in units:
            continue
        whose = "" if person else " and the person's row with it"
        problems.append(ChainProblem(
            person_id, person.name if person else anchor.name, anchor.last_id, anchor.entries,
            f"the whole file is gone{whose}: the checkpoint of {anchored_at} recorded {anchor.entries} entries "
            f"ending in entry {anchor.last_id}"))
    return problems


# --- re-chaining entries written before the keyed chain -------------------------------------

@dataclass
class RechainReport:
    rechained: list[int] = field(default_factory=list)
    refused: list[ChainProblem] = field(default_factory=list)


def rechain_candidates(key: bytes, checkpoint: Checkpoint | None) -> list[int]:
    """People whose files hold unkeyed entries, or whom the checkpoint recorded with them."""
    candidates = {chain.person_id for chain in scan_chains(key, checkpoint) if chain.unkeyed_entries}
    if checkpoint is not None:
        candidates.update(person_id for person_id, head in checkpoint.heads.items() if head.legacy)
    return sorted(candidates)


def rechain_people(person_ids: list[int], key: bytes, checkpoint: Checkpoint | None) -> RechainReport:
    """Replace the unkeyed hashes of these people's files with keyed ones, under their row locks.

    Only a chain the unkeyed formula still verifies is re-chained: as the checkpoint recorded it
    (a person it lists with unkeyed entries), or, before any checkpoint exists, as stored. Keyed
    entries appended since keep their content and get their new link. Someone who could rewrite
    the rows could not recompute the checkpoint, so a file edited after the first checkpoint
    following the upgrade is refused and stays broken for `verify`. The caller commits.
    """
    report = RechainReport()
    if not person_ids:
        return report
    lock_people(person_ids)
    entries = db.session.scalars(select(DevelopmentEntry).where(DevelopmentEntry.person_id.in_(person_ids))
                                 .order_by(DevelopmentEntry.person_id, DevelopmentEntry.sequence)).all()
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids))).all())
    files: dict[int, list[DevelopmentEntry]] = {}
    for entry in entries:
        files.setdefault(entry.person_id, []).append(entry)
    anchors = checkpoint.heads if checkpoint else {}
    rewritten: list[int] = []
    for person_id in person_ids:
        file = files.get(person_id, [])
        refusal = _rechain_refusal(file, anchors.get(person_id), checkpoint is not None, key)
        if refusal is not None:
            entry, text = refusal
            report.refused.append(ChainProblem(person_id, names.get(person_id, UNKNOWN_NAME), entry.id,
                                               entry.sequence, text))
            continue
        prev_hash = ""
        for entry in file:
            entry.prev_hash = prev_hash
            entry.hash = prev_hash = entry_hash(entry, key)
            rewritten.append(entry.id)
        report.rechained.append(person_id)
    db.session.flush()
    refresh_pending_statements(rewritten)
    return report


def _rechain_refusal(file: list[DevelopmentEntry], anchor: Head | None, checkpoint_exists: bool,
                     key: bytes) -> tuple[object, str] | None:
    if not file:
        return (_Missing(anchor.last_id, anchor.entries) if anchor else _Missing(0, 0)), "the file is gone"
    for number, entry in enumerate(file, start=1):
        if entry.sequence != number:
            return entry, f"entry #{number} is missing (found #{entry.sequence})"
    if anchor is not None:
        if not anchor.legacy:
            return file[0], "the checkpoint recorded this file with keyed hashes already"
        # The unkeyed chain of the content as it is now must reach the recorded head (after an
        # interrupted re-chaining the stored hashes are keyed already; the content is the same).
        legacy_hash = ""
        for entry in file[:anchor.entries]:
            legacy_hash = legacy_entry_hash(entry, legacy_hash)
        if len(file) < anchor.entries or file[anchor.entries - 1].id != anchor.last_id \
                or legacy_hash != anchor.last_hash:
            return file[min(len(file), anchor.entries) - 1], "it differs from the head the checkpoint recorded"
        later, legacy_allowed = file[anchor.entries:], False
    elif checkpoint_exists:
        return file[0], ("it holds unkeyed entries but the checkpoint does not list it among the files kept "
                         "from before the upgrade")
    else:
        later, legacy_allowed = file, True
    prev_hash = file[len(file) - len(later) - 1].hash if len(later) < len(file) else ""
    for entry in later:
        if entry.prev_hash != prev_hash:
            return entry, "its link to the previous entry does not match"
        if hmac.compare_digest(entry_hash(entry, key), str(entry.hash)):
            legacy_allowed = False
        elif not (legacy_allowed and legacy_entry_hash(entry, entry.prev_hash) == entry.hash):
            return entry, "its content does not match its hash"
        prev_hash = entry.hash
    return None
