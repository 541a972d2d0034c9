"""Group commit for progress batches: many requests' batches, one transaction.

Phones and terminals send a small batch every 15 seconds, so a busy server receives many
tiny writes at once. Each request validates its batch itself (app.study.progress.prepare_batch:
scope, lessons, sessions) and then hands it to the app's one writer thread, which takes every
batch waiting at that moment, records them in one transaction (write_batches: one insert
for all events, one read of all progress rows) and answers each request after the commit.
If the shared transaction fails, each batch is retried alone so one bad batch cannot fail
the others. Several processes (gunicorn, several `lms serve`) each have a writer; the
database's row locks keep them correct together, exactly as for single batches.

LMS_PROGRESS_GROUP_COMMIT=0 records each batch in its own request transaction instead.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app

from app.extensions import db
from app.study.progress import BatchResult, PreparedBatch, prepare_batch, write_batches

log = logging.getLogger(__name__)

MAX_GROUP = 200
WAIT_SECONDS = 60
LESSON_CACHE_SECONDS = 10.0
LESSON_CACHE_MAX = 20_000


@dataclass
class _Pending:
    batch: PreparedBatch
    done: threading.Event = field(default_factory=threading.Event)
    result: BatchResult | None = None
    error: BaseException | None = None


class GroupWriter:
    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, batch: PreparedBatch) -> BatchResult:
        pending = _Pending(batch)
        self.queue.put(pending)
        self._ensure_thread()
        if not pending.done.wait(WAIT_SECONDS):
            raise TimeoutError("progress writer did not answer")
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="progress-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            items = [self.queue.get()]
            while len(items) < MAX_GROUP:
                try:
                    items.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self._write(items)

    def _write(self, items: list[_Pending]) -> None:
        with self.app.app_context():
            try:
                try:
                    results = write_batches([item.batch for item in items])
                    db.session.commit()
                    for item, result in zip(items, results):
                        item.result = result
                except Exception:
                    db.session.rollback()
                    if len(items) == 1:
                        raise
                    log.warning("group of %d progress batches failed; retrying one by one", len(items), exc_info=True)
                    for item in items:
                        self._write_alone(item)
            except Exception as error:  # noqa: BLE001 - handed to the waiting requests
                for item in items:
                    if item.result is None and item.error is None:
                        item.error = error
            finally:
                db.session.remove()
                for item in items:
                    item.done.set()

    @staticmethod
    def _write_alone(item: _Pending) -> None:
        try:
            item.result = write_batches([item.batch])[0]
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - handed to the waiting request
            db.session.rollback()
            item.error = error


class _LessonCache(dict):
    """(account id, lesson id) -> LessonInfo for a few seconds: a heartbeat every 15 s from every
    learner must not re-run the catalog's visibility query each time. A withdrawn course stops
    taking progress within LESSON_CACHE_SECONDS."""

    def __init__(self):
        super().__init__()
        self.expires = time.monotonic() + LESSON_CACHE_SECONDS

    def fresh(self) -> _LessonCache:
        return self if time.monotonic() < self.expires and len(self) < LESSON_CACHE_MAX else _LessonCache()


def _state(app: Flask) -> dict:
    return app.extensions.setdefault("study_progress", {"writer": GroupWriter(app), "lessons": _LessonCache()})


def submit_batch(account, events: list[dict]) -> BatchResult:
    """Validate a batch in the request, then record it (grouped with concurrent ones)."""
    app = current_app._get_current_object()
    state = _state(app)
    state["lessons"] = state["lessons"].fresh()
    batch = prepare_batch(account, events, lesson_cache=state["lessons"])
    enabled = app.config.get("LMS_PROGRESS_GROUP_COMMIT", os.environ.get("LMS_PROGRESS_GROUP_COMMIT", "1"))
    if str(enabled).lower() in ("0", "false", "no"):
        return write_batches([batch])[0]
    # End the request's transaction before waiting: its connection goes back to the pool (many
    # waiting requests must not hold every connection the writer needs) and its small writes so
    # far (a token's last-used time) are committed, so on SQLite it holds no write lock either.
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.commit()
    return state["writer"].submit(batch)
