"""The public face of app.core.jobs the domains use: periodic tasks, requeue, pending jobs."""
from __future__ import annotations

import pytest
from huey import crontab
from sqlalchemy import select

from app.core.jobs import Job, JobStatus, job_task, periodic, register_job_kind, requeue, start_job, take_pending_jobs
from app.extensions import db
from tests.conftest import _empty_all_tables

runs: list[int] = []


@job_task()
def _counted_job(job, n: int) -> dict:
    runs.append(n)
    return {"n": n}


register_job_kind("test_counted", "counted", task=_counted_job)


@periodic(crontab(minute="*"))
def _adds_a_unit() -> None:
    db.session.add(Job(kind="periodic"))


@periodic(crontab(minute="*"))
def _fails_half_way() -> None:
    db.session.add(Job(kind="half-way"))
    db.session.flush()
    raise RuntimeError("boom")


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        runs.clear()
        yield app
        db.session.remove()
        _empty_all_tables()


def _job_kinds() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Job.kind)))


def test_a_periodic_task_does_nothing_in_eager_mode(app):
    _adds_a_unit.call_local()
    assert "periodic" not in _job_kinds()


def test_a_periodic_task_runs_in_an_app_context_and_commits(app):
    app.config["JOBS_EAGER"] = False  # as in a real consumer
    _adds_a_unit.call_local()
    db.session.remove()  # what the task wrote is committed, not merely in this session
    assert "periodic" in _job_kinds()


def test_a_failing_periodic_task_rolls_back_and_propagates(app):
    app.config["JOBS_EAGER"] = False
    with pytest.raises(RuntimeError, match="boom"):
        _fails_half_way.call_local()
    assert "half-way" not in _job_kinds()


def test_a_periodic_task_keeps_its_module_name_for_the_queue():
    assert _adds_a_unit.name == f"{__name__}._adds_a_unit"


def test_requeue_runs_a_queued_job_after_commit_only(app):
    job = Job(kind="test_counted", payload_json='{"n": 7}')
    db.session.add(job)
    db.session.commit()
    assert requeue(job) is True
    assert runs == []  # nothing before the commit
    db.session.rollback()
    assert runs == []  # a rolled-back requeue is dropped
    assert requeue(job) is True
    db.session.commit()
    assert runs == [7]
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.DONE


def test_requeue_refuses_a_kind_without_a_task(app):
    job = Job(kind="no-such-kind")
    db.session.add(job)
    db.session.flush()
    assert requeue(job) is False


def test_pending_jobs_taken_out_are_not_enqueued(app):
    job = start_job("test_counted", _counted_job, payload={"n": 3})
    pending = take_pending_jobs()
    assert pending == [(_counted_job, job.id)]
    db.session.commit()
    assert runs == []
    pending[0][0].call_local(job.id)  # the caller runs it itself
    assert runs == [3]
