"""Background jobs: a Job row the UI reads, and Huey for the running.

A view (or command) calls `start_job()`: it adds a Job row and arranges for the
task to be enqueued only after the request's transaction commits, so a worker
never looks for a row that does not exist yet. Tasks receive the job id, never
an object, and run inside an application context with one commit at the end.

Storage: SqliteHuey in the instance folder by default (consumer inside `lms
serve`), RedisHuey when LMS_REDIS_URL is set (separate `lms worker` processes),
immediate mode when JOBS_EAGER is set (tests).

Crashes leave nothing behind. A worker claims a queued job with a conditional
UPDATE (a task delivered twice runs once), names itself on the row and touches
`heartbeat_at` every JOBS_HEARTBEAT_SECONDS while the job runs; a child process
group the job starts (ffmpeg) is named on the row too. recover_lost_jobs() runs
when a consumer starts and every minute: a running job whose worker is known dead
(same machine: app.core.processes) or whose row was not touched for
JOBS_STALE_SECONDS has its process group killed, its kind's clean-up run (scratch
folders, media status) and goes back to the queue, or fails after
JOBS_MAX_ATTEMPTS lost runs. The threshold is fixed: it does not grow with the
length of a video.
"""
from __future__ import annotations

import json
import logging
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, Callable

from flask import Flask, abort, current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from huey import crontab
from huey.consumer import Consumer
from huey.exceptions import ConfigurationError
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import DateTime, ForeignKey, String, Text, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core import processes
from app.core.model_base import TimestampMixin, as_utc, utcnow
from app.core.scope import UnitScoped
from app.extensions import db, huey
from app.core.scope import scope_filter

log = logging.getLogger(__name__)

# Modules that declare tasks; imported explicitly so every consumer knows them.
TASK_MODULES = ["app.core.staging", "app.org.tasks", "app.media.tasks", "app.records.tasks", "app.study.progress.tasks", "app.study.sessions.tasks"]

_job_app: Flask | None = None


@dataclass(frozen=True)
class JobKind:
    """What the job layer knows of a kind: its label, the task that runs it (to queue a lost
    job again), the clean-up after a lost run (`on_lost(job, giving_up)`, in the recovery's
    transaction: reset the domain's own status, remove scratch files) and what the job works on
    as people know it (`subject(job)`: the uploaded file's name) for the job lists."""

    label: Any
    task: Callable | None = None
    on_lost: Callable | None = None
    subject: Callable[["Job"], str] | None = None


# kind -> JobKind; each domain registers its kinds next to their tasks.
JOB_KINDS: dict[str, JobKind] = {}
# Clean-ups a starting consumer runs after recovering jobs (e.g. scratch folders nobody owns).
STARTUP_CLEANUPS: list[Callable[[], None]] = []


def register_job_kind(kind: str, label, task: Callable | None = None, on_lost: Callable | None = None,
                      subject: Callable[["Job"], str] | None = None) -> None:
    JOB_KINDS[kind] = JobKind(label, task, on_lost, subject)


def register_startup_cleanup(cleanup: Callable[[], None]) -> None:
    if cleanup not in STARTUP_CLEANUPS:
        STARTUP_CLEANUPS.append(cleanup)


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(UnitScoped, TimestampMixin, db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(255), default="")
    payload_json: Mapped[str] = mapped_column(Text, default="{}")
    result_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # While running: the last sign of life, the worker process (app.core.processes token)
    # and the child process group it started, if any.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(120))
    child_group: Mapped[str | None] = mapped_column(String(40))

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_json or "{}")

    @property
    def result(self) -> dict | None:
        return json.loads(self.result_json) if self.result_json else None

    @property
    def label(self):
        kind = JOB_KINDS.get(self.kind)
        return kind.label if kind is not None else self.kind

    @property
    def subject(self) -> str:
        """What the job works on, as people know it (the uploaded file's name), or ""."""
        kind = JOB_KINDS.get(self.kind)
        return kind.subject(self) if kind is not None and kind.subject is not None else ""

    @property
    def status_label(self):
        return {
            JobStatus.QUEUED: _l("Waiting"),
            JobStatus.RUNNING: _l("Running"),
            JobStatus.DONE: _l("Done"),
            JobStatus.FAILED: _l("Failed"),
        }.get(self.status, self.status)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class JobError(Exception):
    """A failure whose message is meant for the user (already translated)."""


class RetryableJobError(JobError):
    """A failure that may pass on another try (a crashed subprocess, a restart).

    The job goes back to "queued" with the message noted, and the exception
    propagates so Huey retries the task (declare it with retries=N). The task
    itself decides when to stop retrying and raise a plain JobError instead.
    """


def init_jobs(app: Flask) -> None:
    global _job_app
    _job_app = app
    if app.config["JOBS_EAGER"]:
        huey.immediate = True
    else:
        huey.immediate = False
        if app.config.get("REDIS_URL"):
            huey.storage_class = RedisStorage
            huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
        else:
            huey.storage_class = SqliteStorage
            # fsync: a queued job survives a power cut like the row that announced it.
            huey.storage_kwargs = {"filename": app.config["JOBS_SQLITE_PATH"], "fsync": True}
        huey.storage = huey.create_storage()
    for module in TASK_MODULES:
        __import__(module)


def job_task(**task_options) -> Callable:
    """Declare a job: `fn(job, **payload)` runs in an app context, commits once.

    The returned Huey task takes only the job id.
    """

    def decorator(fn: Callable[..., dict | None]):
        @huey.task(name=f"{fn.__module__}.{fn.__name__}", **task_options)
        @wraps(fn)
        def run(job_id: int) -> None:
            assert _job_app is not None, "init_jobs() was not called"
            with _job_app.app_context():
                _execute(job_id, fn)

        return run

    return decorator


def _execute(job_id: int, fn: Callable[..., dict | None]) -> None:
    if not _claim(job_id):
        return  # safe to run twice: finished, or another worker has it
    job = db.session.get(Job, job_id)
    heartbeat = _Heartbeat(job_id, current_app.config["JOBS_HEARTBEAT_SECONDS"])
    try:
        try:
            result = fn(job, **job.payload)
        except RetryableJobError as exc:
            db.session.rollback()
            heartbeat.stop()
            job = db.session.get(Job, job_id)
            job.status = JobStatus.QUEUED
            job.message = str(exc)[:255]
            job.child_group = None
            db.session.commit()
            raise
        except Exception as exc:  # the job row carries the reason to the UI
            db.session.rollback()
            heartbeat.stop()
            job = db.session.get(Job, job_id)
            job.status = JobStatus.FAILED
            job.error = str(exc) if isinstance(exc, JobError) else "内部错误 / internal error"
            job.finished_at = utcnow()
            job.child_group = None
            db.session.commit()
            if not isinstance(exc, JobError):
                log.error("job %s failed:\n%s", job_id, traceback.format_exc())
            return
        # Stop beating before the final commit, without waiting: on SQLite a beat may be
        # queued behind this very transaction's write lock.
        heartbeat.stop()
        job.status = JobStatus.DONE
        job.progress = 100
        job.message = ""  # the last step's "working on…" text no longer applies
        job.result_json = json.dumps(result or {}, ensure_ascii=False)
        job.finished_at = utcnow()
        job.child_group = None
        db.session.commit()
    finally:
        heartbeat.stop()
        heartbeat.join()


def _claim(job_id: int) -> bool:
    """Queued -> running, by this worker, in one conditional UPDATE (its own commit)."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=Job.attempts + 1,
                worker=processes.current_worker(), child_group=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


class _Heartbeat:
    """Touches the running job's row every `interval` seconds, in its own short transactions."""

    def __init__(self, job_id: int, interval: float):
        self.job_id = job_id
        self.interval = interval
        self.engine = db.engine
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == self.job_id, Job.status == JobStatus.RUNNING)
                                       .values(heartbeat_at=utcnow()))
            except Exception:  # a locked database: the next beat tries again
                log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()

    def join(self) -> None:
        self.thread.join(timeout=self.interval + 5)


def report_progress(job: Job, progress: int, message: str = "") -> None:
    """Publish progress at once, in its own short transaction (it counts as a heartbeat).

    Call it before the job's own writes begin: on SQLite a pending write
    transaction would make this wait.
    """
    with db.engine.begin() as connection:
        connection.execute(
            update(Job).where(Job.id == job.id).values(progress=progress, message=message, heartbeat_at=utcnow())
        )


def record_child_group(job: Job, pgid: int | None) -> None:
    """Name on the job row the process group the job started (None: it ended), at once, so a
    worker recovering after a crash can kill what this one leaves running."""
    token = processes.group_token(pgid) if pgid is not None else None
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job.id).values(child_group=token, heartbeat_at=utcnow()))


# --- recovery -----------------------------------------------------------------------------------

def lost_jobs(now: datetime | None = None) -> list[Job]:
    """Running jobs whose worker is gone: known dead on this machine, or silent too long."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])
    lost = []
    for job in db.session.scalars(select(Job).where(Job.status == JobStatus.RUNNING).order_by(Job.id)):
        alive = processes.worker_alive(job.worker)
        if alive is True:
            continue  # its process runs on here; a late beat is a busy database, not a crash
        last = as_utc(job.heartbeat_at) or as_utc(job.started_at) or as_utc(job.created_at)
        if alive is False or last is None or last < stale_before:
            lost.append(job)
    return lost


def recover_lost_jobs(now: datetime | None = None) -> list[int]:
    """Queue lost jobs again (or fail them after JOBS_MAX_ATTEMPTS runs), killing the process
    group a dead worker of this machine left behind. In the caller's transaction; the tasks
    are enqueued after it commits. Returns the ids queued again."""
    now = now or utcnow()
    requeued = []
    for job in lost_jobs(now):
        if processes.worker_alive(job.worker) is False and processes.kill_group(job.child_group):
            log.warning("job %s: killed the process group %s its dead worker left running", job.id, job.child_group)
        kind = JOB_KINDS.get(job.kind)
        giving_up = kind is None or kind.task is None or job.attempts >= current_app.config["JOBS_MAX_ATTEMPTS"]
        values = {"child_group": None, "progress": 0}
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            if giving_up:
                values.update(status=JobStatus.FAILED, finished_at=now, message="", error=_(
                    "The worker running this job stopped unexpectedly %(n)d times; it is not tried again.",
                    n=job.attempts))
            else:
                values.update(status=JobStatus.QUEUED,
                              message=_("The worker stopped unexpectedly; the job is queued again."))
        # Conditional: two workers starting at once recover a job once.
        changed = db.session.execute(
            update(Job).where(Job.id == job.id, Job.status == JobStatus.RUNNING, Job.attempts == job.attempts)
            .values(**values).execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            continue
        log.warning("job %s (%s) lost its worker %s: %s", job.id, job.kind, job.worker,
                    "failed" if giving_up else "queued again")
        if kind is not None and kind.on_lost is not None:
            kind.on_lost(job, giving_up)
        if not giving_up:
            requeue(job)
            requeued.append(job.id)
    db.session.flush()
    return requeued


def requeue_waiting_jobs(older_than: timedelta) -> list[int]:
    """Enqueue again jobs queued for longer than `older_than` (their queue message may have been
    lost with the process that was to send it). A duplicate is harmless: a job runs once."""
    cutoff = utcnow() - older_than
    ids = []
    for job in db.session.scalars(select(Job).where(Job.status == JobStatus.QUEUED, Job.created_at < cutoff)):
        if requeue(job):
            ids.append(job.id)
    return ids


def recover_at_start(app: Flask) -> None:
    """What a consumer does before it takes work: recover lost jobs, re-send old queued ones,
    run the domains' clean-ups (each in its own transaction, each failure logged)."""
    with app.app_context():
        steps = [recover_lost_jobs,
                 lambda: requeue_waiting_jobs(timedelta(seconds=app.config["JOBS_STALE_SECONDS"])),
                 *STARTUP_CLEANUPS]
        for step in steps:
            try:
                step()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.error("recovery step %s failed:\n%s", getattr(step, "__name__", step), traceback.format_exc())


def periodic(schedule: crontab, name: str | None = None, **task_options) -> Callable:
    """Declare a periodic task: `fn()` runs on a real consumer's schedule in an app context and
    the wrapper commits once at the end (a failure rolls back, is logged and propagates to Huey).

    In eager mode (tests) it does nothing: periodic work belongs to a real consumer. A test
    that wants the run sets JOBS_EAGER to False and calls `task.call_local()`.
    """

    def decorator(fn: Callable[[], None]):
        @huey.periodic_task(schedule, name=name or f"{fn.__module__}.{fn.__name__}", **task_options)
        @wraps(fn)
        def run() -> None:
            app = _job_app
            if app is None or app.config.get("JOBS_EAGER"):
                return
            with app.app_context():
                try:
                    fn()
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    log.error("periodic task %s failed:\n%s", fn.__name__, traceback.format_exc())
                    raise

        return run

    return decorator


@periodic(crontab(minute="*"), name="app.core.jobs.recover_lost_jobs")
def recover_lost_jobs_periodically() -> None:
    """Every minute: jobs of workers that died elsewhere (their heartbeat went stale)."""
    recover_lost_jobs()


def start_job(kind: str, task, *, account=None, unit=None, payload: dict[str, Any] | None = None) -> Job:
    job = Job(
        kind=kind,
        account_id=account.id if account is not None else None,
        unit_id=unit.id if unit is not None else None,
        payload_json=json.dumps(payload or {}, ensure_ascii=False),
    )
    db.session.add(job)
    db.session.flush()
    _enqueue_after_commit(task, job.id)
    return job


def requeue(job: Job) -> bool:
    """Send a queued job to the queue again after the current transaction commits (its message
    may be lost, or its worker died). False when its kind has no task to run it. Harmless when
    it is delivered twice: a job runs once (_claim)."""
    kind = JOB_KINDS.get(job.kind)
    if kind is None or kind.task is None:
        return False
    _enqueue_after_commit(kind.task, job.id)
    return True


def take_pending_jobs() -> list[tuple[Callable, int]]:
    """The (task, job id) pairs the current transaction would enqueue at commit, taken out of
    the queue's hands: the caller runs them itself (`lms media ingest --wait`)."""
    return db.session.info.pop(_PENDING_KEY, [])


_PENDING_KEY = "enqueue_after_commit"


def _enqueue_after_commit(task: Callable, job_id: int) -> None:
    db.session.info.setdefault(_PENDING_KEY, []).append((task, job_id))


@event.listens_for(Session, "after_commit")
def _enqueue_committed_jobs(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    for task, job_id in pending:
        task(job_id)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back_jobs(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def jobs_visible_to(account):
    """Jobs the account started, and jobs about units in its scope."""
    return select(Job).where(or_(Job.account_id == account.id, scope_filter(Job, account)))


def get_job_or_404(account, job_id: int) -> Job:
    job = db.session.scalar(jobs_visible_to(account).where(Job.id == job_id))
    if job is None:
        abort(404)
    return job


STOP_WAIT_SECONDS = 10.0


class EmbeddedConsumer(Consumer):
    """A Huey consumer that runs in threads beside the web server.

    The web server owns the process signals, so this consumer installs none. start() returns
    at once: the recovery (recover_at_start) and then the workers run in a thread of their own,
    so pages are answered while a crashed worker's jobs are put back; `ready` is set when the
    workers run.
    """

    def __init__(self, app: Flask, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._app = app
        self._starter: threading.Thread | None = None
        self.ready = threading.Event()

    def _set_signal_handlers(self) -> None:  # noqa: D401 - huey hook
        pass

    def start(self) -> None:
        if self.huey.immediate:  # what Consumer.start refuses, refused before `lms serve` goes on
            raise ConfigurationError("the embedded consumer cannot run with huey.immediate set")
        self._starter = threading.Thread(target=self._recover_and_start, name="lms-jobs-start", daemon=True)
        self._starter.start()

    def _recover_and_start(self) -> None:
        try:
            recover_at_start(self._app)
            if not self.stop_flag.is_set():
                super().start()
                self.ready.set()
        except Exception:
            log.error("the embedded job consumer did not start; background jobs will not run until "
                      "`lms serve` is restarted:\n%s", traceback.format_exc())

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()
        if self._starter is not None:
            # A recovery still running (a locked database, a large scratch folder) does not
            # hold the shutdown: the thread is a daemon and, seeing the flag, starts no worker.
            self._starter.join(timeout=STOP_WAIT_SECONDS)
        if self.ready.is_set():
            super().stop(graceful=graceful)


def make_consumer(app: Flask, embedded: bool) -> Consumer:
    """A consumer for `lms serve` (embedded) or `lms worker`, which recovers what a crashed
    worker left (recover_at_start) before it takes work: its lost jobs come first. The worker
    recovers here; the embedded consumer in the thread its start() begins."""
    options = dict(workers=app.config["JOBS_WORKERS"], worker_type="thread", periodic=True)
    if embedded:
        return EmbeddedConsumer(app, huey, **options)
    recover_at_start(app)
    return Consumer(huey, **options)
