"""SIGKILL the real server in the middle of a transcode and of a roster import: after a
restart both finish, the dead server's ffmpeg is gone and so is its scratch folder."""
from __future__ import annotations

import re
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import processes
from app.core.jobs import Job, JobStatus
from app.extensions import db
from app.media.models import Media
from app.org.id_number import make_id_number
from app.org.models import Person
from tests.live_server import Browser, LiveServer, csrf_of, processes_mentioning

ROSTER_ROWS = 20_000
RECOVERY_LIMIT = 60  # seconds from the restart until both jobs are done


def _roster() -> bytes:
    lines = ["姓名,手机号,身份证号,所在支部编码,人员类别"]
    for n in range(ROSTER_ROWS):
        born = date(1950, 1, 1) + timedelta(days=n // 1000 * 7)
        lines.append(f"恢复{n},151{n:08d},{make_id_number('150121', born, n)},{('TA1', 'TA2')[n % 2]},正式党员")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _video(folder: Path) -> bytes:
    """A 90-second clip: its transcode runs long enough to be killed in the middle."""
    path = folder / "lecture.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=426x240:rate=25:duration=90", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=90", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-shortest", str(path)], check=True)
    return path.read_bytes()


def _jobs(*ids: int) -> list[Job]:
    db.session.rollback()  # a fresh snapshot
    return [db.session.get(Job, job_id) for job_id in ids]


@pytest.mark.slow
def test_sigkill_mid_transcode_and_mid_import_recovers_after_restart(world, migrated_database, tmp_path):
    video, roster = _video(tmp_path), _roster()
    media_root = tmp_path / "media"
    server = LiveServer(migrated_database, tmp_path / "instance", media_root, tmp_path / "serve.log")
    server.start()
    try:
        browser = Browser(server.root)
        browser.login("org-a")
        _, _, page = browser.get("/people/import")
        status, _, preview = browser.post_file("/people/import", {"csrf_token": csrf_of(page)}, "file",
                                               "roster.csv", roster)
        assert status == 200, preview
        upload_id = re.search(r'name="upload" value="([^"]+)"', preview).group(1)
        _, _, page = browser.get("/media/new")
        status, headers, body = browser.post_file("/media/upload", {"csrf_token": csrf_of(page), "course_id": ""},
                                                  "file", "lecture.mp4", video, "video/mp4")
        assert status == 302, body
        media_id = int(headers["Location"].rstrip("/").rsplit("/", 1)[1])
        db.session.rollback()
        transcode_job_id = db.session.get(Media, media_id).job_id
        # The import is confirmed once ffmpeg runs: on an idle machine the roster would otherwise
        # be imported before the transcode has started.
        deadline = time.monotonic() + 120
        while not ((transcode := _jobs(transcode_job_id)[0]).child_group and transcode.progress > 0):
            assert not transcode.is_finished, "the transcode finished before the kill: make it longer"
            assert time.monotonic() < deadline, "the transcode did not start"
            time.sleep(0.05)
        status, headers, _ = browser.post_form("/people/import/confirm", {"upload": upload_id,
                                                                          "csrf_token": csrf_of(preview)})
        assert status == 302
        roster_job_id = int(headers["Location"].rsplit("/", 1)[1])

        # Both running (ffmpeg started and named on its row; the import past its first step): kill.
        deadline = time.monotonic() + 120
        while True:
            transcode, importing = _jobs(transcode_job_id, roster_job_id)
            if (transcode.status == importing.status == JobStatus.RUNNING and transcode.child_group
                    and transcode.progress > 0 and importing.progress >= 10):
                break
            assert not transcode.is_finished and not importing.is_finished, \
                "a job finished before the kill: make it longer"
            assert time.monotonic() < deadline, "the jobs did not start"
            time.sleep(0.05)
        server.kill()
        orphan = int(transcode.child_group.split("|")[0])
        assert processes.process_start(orphan) is not None, "ffmpeg runs on after its server died"
        assert [job.status for job in _jobs(transcode_job_id, roster_job_id)] == ["running", "running"]
        assert list((media_root / ".scratch").glob(f"job-{transcode_job_id}-*"))

        server.start()
        restarted = time.monotonic()
        while True:
            transcode, importing = _jobs(transcode_job_id, roster_job_id)
            if transcode.is_finished and importing.is_finished:
                break
            assert time.monotonic() - restarted < RECOVERY_LIMIT, (
                f"not recovered within {RECOVERY_LIMIT} s: transcode {transcode.status} {transcode.progress}%, "
                f"import {importing.status} {importing.progress}%\n{server.log.read_text()[-3000:]}")
            time.sleep(0.2)
    finally:
        output = server.stop()
    assert (transcode.status, importing.status) == (JobStatus.DONE, JobStatus.DONE), (
        transcode.error, importing.error, output[-3000:])
    assert transcode.attempts == importing.attempts == 2
    assert "queued again" in output  # the recovery is logged
    db.session.rollback()
    assert db.session.get(Media, media_id).status == "ready"
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name.like("恢复%"))) == ROSTER_ROWS
    assert processes.process_start(orphan) is None
    assert processes_mentioning(str(media_root)) == [], "an ffmpeg of the test's media is still running"
    assert list((media_root / ".scratch").iterdir()) == []
