"""`lms media ...`: bulk loads of media files from the command line."""
from __future__ import annotations

import shutil
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.core import jobs, staging
from app.extensions import db


@click.group("media")
def media_group() -> None:
    """Media files: bulk ingest, posters made again."""


def _unit(code: str | None, course):
    from app.org.models import Unit  # deferred: keeps `lms --help` fast

    if code is not None:
        unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
        if unit is None:
            raise click.ClickException(f"No unit with code {code}.")
        return unit
    if course is not None:
        return course.owner_unit
    roots = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).limit(2)))
    if len(roots) != 1:
        raise click.ClickException("Say which unit owns the media with --unit CODE.")
    return roots[0]


@media_group.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", help="Append a lesson per file to the course with this short name.")
@click.option("--unit", "unit_code", help="Unit owning the media (default: the course's, or the county).")
@click.option("--wait", is_flag=True, help="Transcode here and now instead of queueing background jobs.")
@with_appcontext
def ingest_command(files: tuple[Path, ...], course_slug: str | None, unit_code: str | None, wait: bool) -> None:
    """Check, store and queue (or with --wait, transcode) each FILE; refused files are named with the reason.

    The files are copied, never moved; exits with status 1 when any file was refused.
    """
    from app.catalog.models import Course  # deferred: keeps `lms --help` fast
    from app.media import services  # deferred: keeps `lms --help` fast
    from app.media.models import Media  # deferred: keeps `lms --help` fast
    from app.media.probe import MediaRejected  # deferred: keeps `lms --help` fast

    course = None
    if course_slug:
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        if course is None:
            raise click.ClickException(f"No course with short name {course_slug}.")
    unit = _unit(unit_code, course)
    refused = 0
    scratch = staging.scratch_dir("lms-ingest-")
    try:
        for path in files:
            copy = scratch / "source"
            shutil.copyfile(path, copy)  # ingest consumes its input; the operator's file stays
            try:
                media = services.ingest_file(copy, original_name=path.name, owner_unit=unit, course=course)
            except MediaRejected as rejected:
                refused += 1
                click.echo(f"REFUSED {path.name}: {rejected.message}", err=True)
                continue
            pending = jobs.take_pending_jobs() if wait else []
            db.session.commit()
            if wait:
                for task, job_id in pending:
                    _run_with_retries(task, job_id)
                db.session.expire_all()
                media = db.session.get(Media, media.id)
            status = media.status if media.error is None else f"{media.status}: {media.error}"
            click.echo(f"{path.name}: media {media.id} ({media.kind}) {status}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if refused:
        raise SystemExit(1)


@media_group.command("posters")
@click.option("--media", "media_ids", multiple=True, type=int, help="Only this media id (may be repeated).")
@with_appcontext
def posters_command(media_ids: tuple[int, ...]) -> None:
    """Make the posters of transcoded videos again at display size (after an upgrade)."""
    from app.media import services  # deferred: keeps `lms --help` fast
    from app.media.models import Media  # deferred: keeps `lms --help` fast

    statement = select(Media).where(Media.kind == "video").order_by(Media.id)
    if media_ids:
        statement = statement.where(Media.id.in_(media_ids))
    done = 0
    for media in db.session.scalars(statement).all():
        if services.redo_poster(media):
            db.session.commit()
            done += 1
            size = services.media_storage().size(media.poster_key)
            click.echo(f"media {media.id}: poster {size // 1024} KB")
        else:
            click.echo(f"media {media.id}: skipped ({media.status}, no rendition to use)")
    click.echo(f"{done} posters made again")


def _run_with_retries(task, job_id: int) -> None:
    """Run a job here, retrying as the queue would (the task decides when to give up)."""
    from app.core.jobs import RetryableJobError  # deferred: keeps `lms --help` fast

    while True:
        try:
            task.call_local(job_id)
            return
        except RetryableJobError:
            continue
