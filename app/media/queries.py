"""Scoped reads of media.

Two ways to reach a media file:
- Managing: the media's owner unit is in the account's scope (app.core.scope.scoped),
  as for courses.
- Watching: the media is used by a lesson (or as the cover) of a course the account may
  open (app.catalog.queries.openable_condition: the learner rule, plus the drafts a
  trainer or organiser manages).
The managing door is for roles that may upload media: a member or terminal whose branch
owns a media file still watches it only through a course it may study. Anything else is
simply not found (404); the serving route has no other door.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import exists, or_, select

from app.core.permissions import can
from app.core.scope import get_in_scope_or_404, scope_filter, scoped
from app.extensions import db
from app.media.models import Media, MediaStatus, UploadSession
from app.catalog.models import Course, Lesson
from app.catalog.queries import openable_condition

MEDIA_PER_PAGE = 20
RENDITION_LABELS = ("240p", "360p", "720p", "audio")
DEFAULT_QUALITY = "360p"


def list_media_for(account, page: int = 1, per_page: int = MEDIA_PER_PAGE):
    statement = scoped(Media, account).order_by(Media.id.desc())
    return db.paginate(statement, page=page, per_page=per_page, max_per_page=200, error_out=False)


def get_managed_media_or_404(account, media_id: int) -> Media:
    return get_in_scope_or_404(Media, media_id, account)


def transcode_job_subject(job) -> str:
    """The file a transcode job works on, by the name it was uploaded under."""
    media_id = job.payload.get("media_id")
    media = db.session.get(Media, media_id) if media_id else None
    return media.original_name if media is not None else ""


def list_lessons_using(account, media: Media) -> list:
    """The lessons (with their courses) that show this file, in courses the account manages."""
    statement = (scoped(Course, account, select(Lesson).join(Course, Lesson.course_id == Course.id))
                 .where(Lesson.media_id == media.id).order_by(Course.id, Lesson.position))
    return list(db.session.scalars(statement))


def list_attachable(account, kind: str) -> list[Media]:
    """Ready media of one kind (video, audio, document) in the account's scope, newest first: what
    the course editor offers (app.catalog.attachable_media)."""
    statement = scoped(Media, account).where(Media.kind == kind, Media.status == MediaStatus.READY)
    return list(db.session.scalars(statement.order_by(Media.id.desc()).limit(200)))


def get_attachable_or_404(account, media_id: int, kinds: list[str]) -> Media:
    media = get_in_scope_or_404(Media, media_id, account)
    if media.kind not in kinds or media.status != MediaStatus.READY:
        abort(404)
    return media


def viewable_condition(account):
    """SQL condition on Media: the account may watch or read it."""
    course_allowed = openable_condition(account)
    in_course = exists().where(Lesson.media_id == Media.id, Lesson.course_id == Course.id, course_allowed)
    as_cover = exists().where(Course.cover_media_id == Media.id, course_allowed)
    if can(account, "upload_media"):
        return or_(scope_filter(Media, account), in_course, as_cover)
    return or_(in_course, as_cover)


def get_viewable_media_or_404(account, media_id: int) -> Media:
    media = db.session.scalar(select(Media).where(Media.id == media_id, viewable_condition(account)))
    if media is None:
        abort(404)
    return media


def get_upload_session_or_404(account, session_id: str) -> UploadSession:
    session = db.session.get(UploadSession, session_id) if isinstance(session_id, str) else None
    if session is None or session.account_id != account.id:
        abort(404)
    return session


def rendition_for(media: Media, label: str):
    for rendition in media.renditions:
        if rendition.label == label:
            return rendition
    return None


def default_rendition(media: Media):
    """360p, else the largest below it, else the smallest there is."""
    renditions = [r for r in media.renditions if r.label != "audio"]
    if not renditions:
        return media.renditions[0] if media.renditions else None
    below = [r for r in renditions if (r.height and r.width and min(r.width, r.height) <= 360)]
    if below:
        return max(below, key=lambda r: min(r.width, r.height))
    return min(renditions, key=lambda r: min(r.width or 0, r.height or 0))
