"""The job row while a job runs: claimed once, named after its worker, touched by a heartbeat."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.core import processes
from app.core.jobs import Job, JobStatus, job_task, start_job
from app.core.model_base import as_utc
from app.extensions import db
from tests.conftest import _empty_all_tables

seen: dict[str, object] = {}


@job_task()
def _slow_job(job, seconds: float) -> dict:
    """Sleeps, then reads its own row as another connection sees it (the heartbeat's writes)."""
    time.sleep(seconds)
    with db.engine.connect() as connection:
        row = connection.execute(select(Job.heartbeat_at, Job.started_at, Job.worker, Job.status)
                                 .where(Job.id == job.id)).one()
    seen.update(heartbeat_at=as_utc(row.heartbeat_at), started_at=as_utc(row.started_at), worker=row.worker,
                status=row.status)
    return {}


@pytest.fixture
def app(make_app):
    app = make_app(JOBS_HEARTBEAT_SECONDS=0.2)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()


def test_a_running_job_beats_and_names_its_worker(app):
    job = start_job("test_slow", _slow_job, payload={"seconds": 1.0})
    db.session.commit()  # the eager queue runs it here
    assert seen["status"] == JobStatus.RUNNING and seen["worker"] == processes.current_worker()
    assert (seen["heartbeat_at"] - seen["started_at"]).total_seconds() >= 0.5
    assert processes.worker_alive(seen["worker"]) is True
    db.session.expire_all()
    finished = db.session.get(Job, job.id)
    assert (finished.status, finished.attempts, finished.child_group) == (JobStatus.DONE, 1, None)


def test_a_job_delivered_twice_runs_once(app):
    job = start_job("test_slow", _slow_job, payload={"seconds": 0})
    db.session.commit()
    seen.clear()
    _slow_job.call_local(job.id)  # the queue delivers it again
    db.session.expire_all()
    assert seen == {} and db.session.get(Job, job.id).attempts == 1
