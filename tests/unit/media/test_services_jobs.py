"""The transcode job: bounded retries of a killed ffmpeg, recovery of lost jobs, CLI ingest."""
from __future__ import annotations

import os
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.jobs import Job, JobStatus, RetryableJobError
from app.core.model_base import utcnow
from app.extensions import db
from app.media import services
from app.media.models import Media
from app.media.tasks import transcode_media
from tests.factories import create_course


@pytest.fixture
def ffmpeg_killed_by_signal(tmp_path, monkeypatch):
    """An `ffmpeg` first on PATH that dies of SIGKILL when asked to transcode (as out-of-memory
    kills do), and runs the real ffmpeg for the probe's quick decode checks."""
    real = shutil.which("ffmpeg")
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "ffmpeg"
    script.write_text("#!/bin/sh\nfor arg in \"$@\"; do\n  if [ \"$arg\" = \"-progress\" ]; then kill -9 $$; fi\n"
                      f"done\nexec {real} \"$@\"\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script


def _ingest(world, path, course=None):
    copy = path.parent / f"copy-{path.name}"
    shutil.copyfile(path, copy)
    media = services.ingest_file(copy, original_name=path.name, owner_unit=world.county,
                                 uploaded_by=world.accounts["trainer"], course=course)
    media_id = media.id
    db.session.commit()  # eager jobs run here
    db.session.expire_all()
    return db.session.get(Media, media_id)


def test_killed_transcode_is_retried_then_fails_cleanly(app, world, sources, ffmpeg_killed_by_signal):
    assert app.config["MEDIA_TRANSCODE_ATTEMPTS"] == 3
    media = _ingest(world, sources.plain_clip)
    job = db.session.get(Job, media.job_id)
    # First try killed: back in the queue for Huey's retry, nothing published.
    assert (job.status, job.attempts, media.status) == (JobStatus.QUEUED, 1, "queued")
    assert job.message and media.error is None
    with pytest.raises(RetryableJobError):
        transcode_media.call_local(job.id)  # what Huey runs on its first retry
    transcode_media.call_local(job.id)      # the last try fails for good
    db.session.expire_all()
    job, media = db.session.get(Job, job.id), db.session.get(Media, media.id)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert media.status == "failed" and "转码进程意外退出" in media.error
    assert media.renditions == []
    root = app.config["MEDIA_ROOT"]
    leftovers = [os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files]
    assert leftovers == [f"media/{media.id}/source"], leftovers


def test_retry_after_the_cause_went_away_succeeds(app, world, sources, ffmpeg_killed_by_signal, monkeypatch):
    media = _ingest(world, sources.plain_clip)
    ffmpeg_killed_by_signal.unlink()  # the server got its memory back
    transcode_media.call_local(media.job_id)
    db.session.expire_all()
    media = db.session.get(Media, media.id)
    assert media.status == "ready" and media.attempts == 2


def test_undecodable_frames_fail_without_retry(app, world, sources):
    from app.media.probe import MediaRejected

    try:
        media = _ingest(world, sources.ffmpeg_killing_source)
    except MediaRejected:
        return  # the probe already refused it: also a clean end
    job = db.session.get(Job, media.job_id)
    assert media.status == "failed" and media.error
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)


def test_lost_transcodes_are_requeued_and_finish(app, world, sources):
    """A fixed silence (JOBS_STALE_SECONDS) marks a job lost whatever the media's length; a dead
    worker on this machine is known at once; a live one keeps its job however late its beat."""
    from app.core import jobs, processes

    here = processes.current_worker().split("|")
    dead_here = "|".join([*here[:3], "999999999", "12345"])
    elsewhere = "another-host|x|1|1|1"
    now = utcnow()
    cases = {  # name: (source, worker, heartbeat, attempts)
        "silent": (sources.mp3_audio, elsewhere, now - timedelta(seconds=61), 1),
        "beating": (sources.m4a_audio, elsewhere, now - timedelta(seconds=30), 1),
        "dead_here": (sources.wav_audio, dead_here, now, 1),
        "alive_here": (sources.mp3_audio, processes.current_worker(), now - timedelta(hours=2), 1),
        "exhausted": (sources.m4a_audio, elsewhere, now - timedelta(minutes=5), 3),
    }
    made = {}
    for name, (source, worker, beat, attempts) in cases.items():
        media = _ingest(world, source)
        job = db.session.get(Job, media.job_id)
        job.status, job.worker, job.heartbeat_at, job.attempts = JobStatus.RUNNING, worker, beat, attempts
        media.status, media.renditions, media.duration = "processing", [], 4 * 3600.0  # a 4-hour lecture
        made[name] = media
    scratch = Path(app.config["MEDIA_ROOT"]) / ".scratch" / f"job-{made['silent'].job_id}-abc"
    scratch.mkdir(parents=True)
    db.session.commit()
    assert sorted(jobs.recover_lost_jobs()) == sorted([made["silent"].job_id, made["dead_here"].job_id])
    db.session.commit()  # the re-queued jobs run (eagerly here)
    db.session.expire_all()
    status = {name: (db.session.get(Media, media.id).status, db.session.get(Job, media.job_id).status)
              for name, media in made.items()}
    assert status == {"silent": ("ready", "done"), "beating": ("processing", "running"),
                      "dead_here": ("ready", "done"), "alive_here": ("processing", "running"),
                      "exhausted": ("failed", "failed")}
    assert not scratch.exists()
    assert "多次意外终止" in db.session.get(Media, made["exhausted"].id).error


def test_cli_ingest_adds_lessons_and_names_refusals(app, world, sources):
    course = create_course(world.county, lessons=0, slug="cli-course")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["media", "ingest", str(sources.flv_clip), str(sources.html_named_mp4),
                                 "--course", "cli-course", "--wait"])
    assert result.exit_code == 1, result.output
    assert "REFUSED page.mp4" in result.output and "网页" in result.output
    db.session.expire_all()
    [media] = db.session.scalars(select(Media)).all()
    assert (media.status, media.original_name) == ("ready", sources.flv_clip.name)
    assert [lesson.media_id for lesson in db.session.get(type(course), course.id).lessons] == [media.id]
    assert sources.flv_clip.exists(), "ingest copies, never moves, the operator's file"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1
