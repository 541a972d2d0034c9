"""Group commit for progress batches: many requests' batches, one transaction; merging after.

Phones and terminals send a small batch every 15 seconds, so a busy server receives many
tiny writes at once. Each request validates its batch itself (app.study.progress.prepare_batch:
scope, lessons, sessions) and then hands it to the app's one writer thread, which takes every
batch waiting at that moment, stores their events in one transaction (one insert; a repeated
event id is ignored) and answers each request after the commit. If the shared transaction
fails, each batch is retried alone so one bad batch cannot fail the others.

The stored events are merged into progress, days and grants ("folded") by the same thread a
moment later: when no batch has arrived for IDLE_FOLD_SECONDS, or LMS_PROGRESS_FOLD_SECONDS
(default 1) after the first unfolded one, whichever comes first. A learner's many heartbeats
then cost one merge. Anything that reads progress folds first: fold_before_reading runs
before every request that may read it, fold_now for commands and jobs, and the periodic job
app.study.tasks.fold_progress picks up events a stopped process left unfolded.

Several processes (gunicorn, several `lms serve`) each have a writer. On PostgreSQL row locks
keep them correct together and one advisory lock lets one fold at a time. On a SQLite file
they take turns on a file lock: SQLite's own busy handler polls its write lock with sleeps
of up to 100 ms, so two writers contending for it slept most of the time while it was free.

LMS_PROGRESS_GROUP_COMMIT=0 records and merges each batch in its own request transaction.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Flask, current_app, request
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.study import rules
from app.study.progress import (BatchResult, PreparedBatch, fold_pending, has_unfolded_events, mark_folded,
                                pending_batches, prepare_batch, write_batches)

try:
    import fcntl
except ImportError:  # Windows: one waitress process, nothing to share the database file with
    fcntl = None

log = logging.getLogger(__name__)

MAX_GROUP = 200
WAIT_SECONDS = 60
IDLE_FOLD_SECONDS = 0.05
LESSON_CACHE_SECONDS = 60.0
LESSON_CACHE_MAX = 20_000
# Requests that cannot read progress need not wait for a fold: the heartbeats themselves,
# health checks, media bytes and static files.
NO_FOLD_ENDPOINTS = frozenset({"api.progress_post", "api.health", "me.progress_post", "media.serve",
                               "media.upload_chunk", "media.upload_status"})


class _Answer:
    """Set once by the writer, awaited by one request thread (a bare lock: cheaper than an Event,
    and every heartbeat makes one)."""

    __slots__ = ("_lock",)

    def __init__(self):
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        self._lock.release()

    def wait(self, timeout: float) -> bool:
        return self._lock.acquire(timeout=timeout)


@dataclass
class _Pending:
    batch: PreparedBatch
    done: _Answer = field(default_factory=_Answer)
    result: BatchResult | None = None
    error: BaseException | None = None


@dataclass
class _FoldRequest:
    done: _Answer = field(default_factory=_Answer)
    error: BaseException | None = None


def group_commit_enabled(app: Flask) -> bool:
    return rules.setting("LMS_PROGRESS_GROUP_COMMIT", app)


@contextmanager
def database_turn():
    """On a SQLite file, take turns with other processes' progress writers on a file lock."""
    url = db.engine.url
    if fcntl is None or url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    lock_file = _lock_file(f"{url.database}-progress-lock")
    fcntl.flock(lock_file, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(lock_file, fcntl.LOCK_UN)


_lock_files = threading.local()


def _lock_file(path: str):
    """This thread's own open lock file (flock excludes open files, so threads of one process
    exclude each other too), kept open: the writer takes its turn many times a second."""
    files = _lock_files.__dict__.setdefault("files", {})
    if path not in files:
        files[path] = open(path, "a+b")  # noqa: SIM115 - kept for the thread's life
    return files[path]


class GroupWriter:
    def __init__(self, app: Flask):
        self.app = app
        self.queue: queue.SimpleQueue[_Pending | _FoldRequest] = queue.SimpleQueue()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._unfolded_since: float | None = None  # monotonic time of this writer's oldest unfolded write
        self.fold_seconds = rules.setting("LMS_PROGRESS_FOLD_SECONDS", app)

    def submit(self, batch: PreparedBatch) -> BatchResult:
        pending = _Pending(batch)
        self._wait(pending)
        return pending.result

    def fold(self) -> None:
        """Fold every stored event (this process's and others') before returning."""
        self._wait(_FoldRequest())

    def _wait(self, item: _Pending | _FoldRequest) -> None:
        self.queue.put(item)
        self._ensure_thread()
        if not item.done.wait(WAIT_SECONDS):
            raise TimeoutError("progress writer did not answer")
        if item.error is not None:
            raise item.error

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="progress-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=self._idle_timeout())
            except queue.Empty:
                self._fold([])
                continue
            items = [first]
            while len(items) < MAX_GROUP:
                try:
                    items.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            batches = [item for item in items if isinstance(item, _Pending)]
            requests = [item for item in items if isinstance(item, _FoldRequest)]
            if batches:
                self._write(batches)
            overdue = (self._unfolded_since is not None
                       and time.monotonic() - self._unfolded_since >= self.fold_seconds)
            if requests or overdue:
                self._fold(requests)

    def _idle_timeout(self) -> float | None:
        """How long to wait for the next batch before folding; None: nothing to fold."""
        if self._unfolded_since is None:
            return None
        return max(0.0, min(IDLE_FOLD_SECONDS, self._unfolded_since + self.fold_seconds - time.monotonic()))

    def _write(self, items: list[_Pending]) -> None:
        with self.app.app_context():
            try:
                try:
                    with database_turn():
                        results = write_batches([item.batch for item in items], fold=False)
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
                if self._unfolded_since is None and any(item.result and item.result.accepted for item in items):
                    self._unfolded_since = time.monotonic()
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
            with database_turn():
                item.result = write_batches([item.batch], fold=False)[0]
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - handed to the waiting request
            db.session.rollback()
            item.error = error

    def _fold(self, requests: list[_FoldRequest]) -> None:
        self._unfolded_since = None
        with self.app.app_context():
            try:
                fold_committed()
            except Exception as error:  # noqa: BLE001 - logged; the events stay stored and unfolded
                log.exception("folding progress events failed")
                self._unfolded_since = time.monotonic()  # try again after the fold interval
                for item in requests:
                    item.error = error
            finally:
                db.session.remove()
                for item in requests:
                    item.done.set()


def fold_committed() -> int:
    """Fold every waiting event in this thread's session and commit; the number folded.

    If the database cannot be reached the events stay waiting (OperationalError is raised). If
    folding fails otherwise, the events are folded batch by batch, and a batch that still fails
    is set aside (marked folded, kept in progress_event, logged as an error) so that one bad
    batch cannot hold up everyone's progress.
    """
    try:
        with database_turn():
            folded = fold_pending()
            db.session.commit()
        return folded
    except OperationalError:
        db.session.rollback()
        raise
    except Exception:
        db.session.rollback()
        log.exception("folding the waiting progress events failed; folding them batch by batch")
    with database_turn():
        batches = pending_batches()
        db.session.commit()
    folded = 0
    for event_ids in batches:
        try:
            with database_turn():
                folded += fold_pending(event_ids=event_ids)
                db.session.commit()
        except OperationalError:
            db.session.rollback()
            raise
        except Exception:
            db.session.rollback()
            log.error("progress events %s could not be folded and are set aside (they stay stored)",
                      event_ids, exc_info=True)
            with database_turn():
                mark_folded(event_ids)
                db.session.commit()
    return folded


class _LessonCache(dict):
    """(account id, lesson id) -> LessonInfo for a few seconds: a heartbeat every 15 s from every
    learner must not re-run the catalog's visibility query each time. A withdrawn course stops
    taking progress within LESSON_CACHE_SECONDS."""

    def __init__(self):
        super().__init__()
        self.expires = time.monotonic() + LESSON_CACHE_SECONDS


def _state(app: Flask) -> dict:
    state = app.extensions.get("study_progress")
    if state is None:
        state = app.extensions.setdefault("study_progress", {"writer": GroupWriter(app), "lessons": _LessonCache()})
    return state


def writer_of(app: Flask) -> GroupWriter:
    return _state(app)["writer"]


def lesson_cache_of(app: Flask) -> _LessonCache:
    """The app's lesson cache, renewed when it has expired."""
    state = _state(app)
    cache = state["lessons"]
    if time.monotonic() >= cache.expires or len(cache) >= LESSON_CACHE_MAX:
        cache = state["lessons"] = _LessonCache()
    return cache


def submit_batch(account, events: list[dict]) -> BatchResult:
    """Validate a batch in the request, then record it (grouped with concurrent ones)."""
    app = current_app._get_current_object()
    batch = prepare_batch(account, events, lesson_cache=lesson_cache_of(app))
    if not group_commit_enabled(app):
        return write_batches([batch])[0]
    _release_session()
    return writer_of(app).submit(batch)


def _release_session() -> None:
    """End the request's transaction before waiting for the writer: its connection goes back to
    the pool (many waiting requests must not hold every connection the writer needs) and its
    small writes so far (a token's last-used time) are committed, so on SQLite it holds no
    write lock either."""
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        session.commit()


def fold_now() -> None:
    """Make every stored event count before reading progress (commands, jobs, tests)."""
    app = current_app._get_current_object()
    if not has_unfolded_events():
        return
    if group_commit_enabled(app):
        _release_session()
        writer_of(app).fold()
    else:
        fold_committed()


def fold_before_reading() -> None:
    """before_request: pages and API reads see every heartbeat already answered."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in NO_FOLD_ENDPOINTS or endpoint.rsplit(".", 1)[-1] == "static":
        return
    try:
        fold_now()
    except (OperationalError, TimeoutError):
        # A page a few seconds behind beats no page; the writer tries again within a second.
        log.warning("progress could not be folded before a read", exc_info=True)
        db.session.rollback()
