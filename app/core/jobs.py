"""Background jobs: a Job row the UI reads, and Huey for the running.

A view (or command) calls `start_job()`: it adds a Job row and arranges for the
task to be enqueued only after the request's transaction commits, so a worker
never looks for a row that does not exist yet. Tasks receive the job id, never
an object, and run inside an application context with one commit at the end.

Storage: SqliteHuey in the instance folder by default (consumer inside `lms
serve`), RedisHuey when LMS_REDIS_URL is set (separate `lms worker` processes),
immediate mode when JOBS_EAGER is set (tests).
"""
from __future__ import annotations

import json
import logging
import traceback
from datetime import datetime
from functools import wraps
from typing import Any, Callable

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from huey.consumer import Consumer
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import DateTime, ForeignKey, String, Text, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.model_base import TimestampMixin, utcnow
from app.core.scope import UnitScoped
from app.extensions import db, huey

log = logging.getLogger(__name__)

# Modules that declare tasks; imported explicitly so every consumer knows them.
TASK_MODULES = ["app.org.tasks", "app.media.tasks", "app.records.tasks", "app.study.progress.tasks", "app.study.sessions.tasks"]

_job_app: Flask | None = None
# kind -> label shown to people; each domain registers its kinds next to their tasks.
JOB_KINDS: dict[str, Any] = {}
# kind -> function(job) naming what the job works on (a file name), for the job lists.
JOB_SUBJECTS: dict[str, Callable[["Job"], str]] = {}


def register_job_kind(kind: str, label, subject: Callable[["Job"], str] | None = None) -> None:
    JOB_KINDS[kind] = label
    if subject is not None:
        JOB_SUBJECTS[kind] = subject


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(UnitScoped, TimestampMixin, db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
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

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_json or "{}")

    @property
    def result(self) -> dict | None:
        return json.loads(self.result_json) if self.result_json else None

    @property
    def label(self):
        return JOB_KINDS.get(self.kind, self.kind)

    @property
    def subject(self) -> str:
        """What the job works on, as people know it (the uploaded file's name), or ""."""
        describe = JOB_SUBJECTS.get(self.kind)
        return describe(self) if describe is not None else ""

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
            huey.storage_kwargs = {"filename": app.config["JOBS_SQLITE_PATH"]}
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
    job = db.session.get(Job, job_id)
    if job is None or job.is_finished:
        return  # safe to run twice: a finished job is left alone
    job.status = JobStatus.RUNNING
    job.started_at = utcnow()
    job.attempts += 1
    db.session.commit()
    try:
        result = fn(job, **job.payload)
    except RetryableJobError as exc:
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = JobStatus.QUEUED
        job.message = str(exc)[:255]
        db.session.commit()
        raise
    except Exception as exc:  # the job row carries the reason to the UI
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = JobStatus.FAILED
        job.error = str(exc) if isinstance(exc, JobError) else "内部错误 / internal error"
        job.finished_at = utcnow()
        db.session.commit()
        if not isinstance(exc, JobError):
            log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        return
    job.status = JobStatus.DONE
    job.progress = 100
    job.message = ""  # the last step's "working on…" text no longer applies
    job.result_json = json.dumps(result or {}, ensure_ascii=False)
    job.finished_at = utcnow()
    db.session.commit()


def report_progress(job: Job, progress: int, message: str = "") -> None:
    """Publish progress at once, in its own short transaction.

    Call it before the job's own writes begin: on SQLite a pending write
    transaction would make this wait.
    """
    with db.engine.begin() as connection:
        connection.execute(
            update(Job).where(Job.id == job.id).values(progress=progress, message=message)
        )


def start_job(kind: str, task, *, account=None, unit=None, payload: dict[str, Any] | None = None) -> Job:
    job = Job(
        kind=kind,
        account_id=account.id if account is not None else None,
        unit_id=unit.id if unit is not None else None,
        payload_json=json.dumps(payload or {}, ensure_ascii=False),
    )
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault("enqueue_after_commit", []).append((task, job.id))
    return job


@event.listens_for(Session, "after_commit")
def _enqueue_committed_jobs(session: Session) -> None:
    pending = session.info.pop("enqueue_after_commit", [])
    for task, job_id in pending:
        task(job_id)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back_jobs(session: Session) -> None:
    session.info.pop("enqueue_after_commit", None)


def jobs_visible_to(account):
    """Jobs the account started, and jobs about units in its scope."""
    from app.core.scope import scope_filter

    return select(Job).where(or_(Job.account_id == account.id, scope_filter(Job, account)))


def get_job_or_404(account, job_id: int) -> Job:
    job = db.session.scalar(jobs_visible_to(account).where(Job.id == job_id))
    if job is None:
        abort(404)
    return job


class EmbeddedConsumer(Consumer):
    """A Huey consumer that runs in threads beside the web server.

    The web server owns the process signals, so this consumer installs none.
    """

    def _set_signal_handlers(self) -> None:  # noqa: D401 - huey hook
        pass


def make_consumer(app: Flask, embedded: bool) -> Consumer:
    cls = EmbeddedConsumer if embedded else Consumer
    return cls(huey, workers=app.config["JOBS_WORKERS"], worker_type="thread", periodic=True)
