"""Jobs of the media domain: the transcode, and two periodic clean-ups.

The transcode task is declared with retries: RetryableJobError (ffmpeg killed by a
signal) puts the job back to "queued" and Huey runs it again after retry_delay;
services.run_transcode_job stops retrying after MEDIA_TRANSCODE_ATTEMPTS tries.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from huey import crontab

from app.core import jobs
from app.core.jobs import job_task, register_job_kind
from app.extensions import db, huey
from app.media import queries, services

register_job_kind("transcode", _l("Video transcoding"), subject=queries.transcode_job_subject)


@job_task(retries=2, retry_delay=5)
def transcode_media(job, media_id: int) -> dict:
    return services.run_transcode_job(job, media_id)


def _in_app(fn) -> None:
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        fn()
        db.session.commit()


@huey.periodic_task(crontab(minute="*"), name="app.media.tasks.recover_stuck_transcodes")
def recover_stuck_transcodes() -> None:
    """Every minute: re-queue transcodes whose worker died (see services.recover_stuck_transcodes)."""
    _in_app(services.recover_stuck_transcodes)


@huey.periodic_task(crontab(minute="17"), name="app.media.tasks.discard_abandoned_uploads")
def discard_abandoned_uploads() -> None:
    """Every hour: remove upload sessions untouched for a day, with their part files."""
    from app.media.uploads import discard_abandoned_sessions

    _in_app(discard_abandoned_sessions)
