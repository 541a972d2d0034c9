"""Jobs of the media domain: the transcode, and a periodic clean-up.

The transcode task is declared with retries: RetryableJobError (ffmpeg killed by a
signal) puts the job back to "queued" and Huey runs it again after retry_delay;
services.run_transcode_job stops retrying after MEDIA_TRANSCODE_ATTEMPTS tries.
A transcode whose worker died is recovered by app.core.jobs (services.transcode_lost
resets the media and removes the job's scratch folder); a starting consumer also removes
scratch folders no running job owns (services.discard_orphan_scratch).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from huey import crontab

from app.core import jobs
from app.core.jobs import job_task, register_job_kind, register_startup_cleanup
from app.extensions import db, huey
from app.media import queries, services
from app.media.uploads import discard_abandoned_sessions


@job_task(retries=2, retry_delay=5)
def transcode_media(job, media_id: int) -> dict:
    return services.run_transcode_job(job, media_id)


register_job_kind("transcode", _l("Video transcoding"), task=transcode_media, on_lost=services.transcode_lost,
                  subject=queries.transcode_job_subject)
register_startup_cleanup(services.discard_orphan_scratch)


def _in_app(fn) -> None:
    app = jobs._job_app
    if app is None or app.config.get("JOBS_EAGER"):
        return  # periodic work belongs to a real consumer
    with app.app_context():
        fn()
        db.session.commit()


@huey.periodic_task(crontab(minute="17"), name="app.media.tasks.discard_abandoned_uploads")
def discard_abandoned_uploads() -> None:
    """Every hour: remove upload sessions untouched for a day, with their part files."""
    _in_app(discard_abandoned_sessions)
