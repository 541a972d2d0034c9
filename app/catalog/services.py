"""Writes of the catalog: courses, lessons, publishing. Flush, never commit."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.catalog.choices import BUILTIN_CATEGORIES, CourseStatus, LessonType
from app.catalog.models import Category, Course, CourseAudience, CoursePublication, CourseTag, Lesson
from app.core.model_base import utcnow
from app.extensions import db
from app.org.choices import CadreRole, PersonCategory

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
MAX_TAGS = 10


class CatalogError(ValueError):
    """A refusal with a message for the user (translated)."""


def ensure_builtin_categories() -> None:
    """Create the five standard categories if missing (idempotent)."""
    existing = set(db.session.scalars(select(Category.code)))
    for position, (code, name) in enumerate(BUILTIN_CATEGORIES):
        if code not in existing:
            db.session.add(Category(code=code, name=name, is_builtin=True, position=position))
    db.session.flush()


def create_category(code: str, name: str) -> Category:
    code = code.strip().lower()
    if not re.fullmatch(r"[a-z0-9_]{2,40}", code) or not name.strip():
        raise CatalogError(_("A category needs a code of letters, digits or _ and a name."))
    if db.session.scalar(select(Category.id).where(Category.code == code)):
        raise CatalogError(_("Category code %(code)s is already used.", code=code))
    position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(code=code, name=name.strip(), position=position)
    db.session.add(category)
    db.session.flush()
    return category


def search_text_for(title: str, summary: str, tags: list[str]) -> str:
    """What course search matches: Chinese substrings, full pinyin and pinyin initials.

    Typing "mls" or "malingshu" finds 马铃薯.
    """
    from pypinyin import Style, lazy_pinyin  # deferred: its dictionaries cost ~0.2 s and 20 MiB; only writes need them
    initials = "".join(lazy_pinyin(title, style=Style.FIRST_LETTER, errors="ignore"))
    syllables = "".join(lazy_pinyin(title, errors="ignore"))
    return " ".join([title, summary, " ".join(tags), initials, syllables]).lower()


def parse_credit_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CatalogError(_("Credit hours must be a number such as 1 or 1.5.")) from None
    if hours <= 0 or hours > 100 or (hours * 2) % 1 != 0:
        raise CatalogError(_("Credit hours must be a multiple of 0.5 between 0.5 and 100."))
    return hours


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = tag.strip()[:30]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned[:MAX_TAGS]


def proposed_publication_unit_ids(course: Course) -> list[int]:
    """What the publish form proposes: where the course is published now, else the unit that owns it."""
    return [publication.unit_id for publication in course.publications] or [course.owner_unit_id]


def _set_tags(course: Course, tags: list[str]) -> None:
    """Keep the rows of tags still wanted, add the new ones, and number them in the typed order."""
    rows = {row.tag: row for row in course.tag_rows}
    course.tag_rows = [rows.get(tag) or CourseTag(tag=tag) for tag in tags]
    for position, row in enumerate(course.tag_rows):
        row.position = position


def _set_audience(course: Course, categories: list[str], cadre_roles: list[str]) -> None:
    rows = [CourseAudience(kind="category", value=PersonCategory(value).value) for value in categories]
    rows += [CourseAudience(kind="cadre_role", value=CadreRole(value).value) for value in cadre_roles]
    wanted = {(row.kind, row.value) for row in rows}
    course.audience_rows = [row for row in course.audience_rows if (row.kind, row.value) in wanted]
    present = {(row.kind, row.value) for row in course.audience_rows}
    course.audience_rows += [row for row in rows if (row.kind, row.value) not in present]


def _touch(course: Course) -> None:
    """A published course that changes gets a new version."""
    if course.status == CourseStatus.PUBLISHED and course.id is not None:
        course.version += 1
    course.updated_at = utcnow()


def create_course(*, title: str, category: Category, owner_unit, created_by=None, slug: str | None = None,
                  summary: str = "", credit_hours="1", tags: list[str] = (), audience_categories: list[str] = (),
                  audience_cadre_roles: list[str] = ()) -> Course:
    title = title.strip()
    if not title:
        raise CatalogError(_("A course needs a title."))
    if slug is not None:
        slug = slug.strip().lower()
        if not SLUG_PATTERN.match(slug):
            raise CatalogError(_("The short name may contain only lowercase letters, digits and -."))
        if db.session.scalar(select(Course.id).where(Course.slug == slug)):
            raise CatalogError(_("A course named %(slug)s already exists.", slug=slug))
    tags = _clean_tags(list(tags))
    course = Course(
        slug=slug or f"draft-{utcnow():%Y%m%d%H%M%S%f}", title=title, summary=summary.strip(), category=category,
        credit_hours=parse_credit_hours(credit_hours), owner_unit=owner_unit,
        created_by_id=created_by.id if created_by is not None else None,
        status=CourseStatus.DRAFT.value, version=1,
        search_text=search_text_for(title, summary, tags),
    )
    course.tag_rows = [CourseTag(tag=tag, position=position) for position, tag in enumerate(tags)]
    _set_audience(course, list(audience_categories), list(audience_cadre_roles))
    db.session.add(course)
    db.session.flush()
    if slug is None:
        course.slug = f"course-{course.id}"
    return course


def update_course(course: Course, *, title: str, summary: str, category: Category, credit_hours,
                  tags: list[str], audience_categories: list[str], audience_cadre_roles: list[str]) -> bool:
    """Apply edits; return True when something changed (a published course then gets a new version)."""
    title = title.strip()
    if not title:
        raise CatalogError(_("A course needs a title."))
    hours = parse_credit_hours(credit_hours)
    tags = _clean_tags(list(tags))
    before = (course.title, course.summary, course.category_id, course.credit_hours, course.tags,
              sorted((row.kind, row.value) for row in course.audience_rows))
    course.title, course.summary, course.category, course.credit_hours = title, summary.strip(), category, hours
    _set_tags(course, tags)
    _set_audience(course, list(audience_categories), list(audience_cadre_roles))
    db.session.flush()
    after = (course.title, course.summary, course.category_id, course.credit_hours, course.tags,
             sorted((row.kind, row.value) for row in course.audience_rows))
    if before == after:
        return False
    course.search_text = search_text_for(title, course.summary, course.tags)
    _touch(course)
    return True


def add_lesson(course: Course, *, type: LessonType, title: str, media=None, body_markdown: str = "",
               required: bool = True, min_seconds: int = 60) -> Lesson:
    """Append a lesson at the end of the course."""
    lesson_type = LessonType(type)
    title = title.strip()
    if not title:
        raise CatalogError(_("A lesson needs a title."))
    if lesson_type in (LessonType.VIDEO, LessonType.AUDIO, LessonType.DOCUMENT) and media is None:
        raise CatalogError(_("This lesson needs a media file."))
    position = (db.session.scalar(select(func.max(Lesson.position)).where(Lesson.course_id == course.id)) or 0) + 1
    lesson = Lesson(course=course, position=position, type=lesson_type.value, title=title, media=media,
                    body_markdown=body_markdown, required=required, min_seconds=min_seconds)
    db.session.add(lesson)
    _touch(course)
    db.session.flush()
    return lesson


def update_lesson(lesson: Lesson, *, title: str, body_markdown: str | None = None, media=None,
                  required: bool | None = None, min_seconds: int | None = None) -> bool:
    title = title.strip()
    if not title:
        raise CatalogError(_("A lesson needs a title."))
    content_before = (lesson.body_markdown, lesson.media_id)
    changed = lesson.title != title
    lesson.title = title
    if body_markdown is not None:
        lesson.body_markdown = body_markdown
    if media is not None:
        lesson.media = media
    if required is not None and required != lesson.required:
        lesson.required, changed = required, True
    if min_seconds is not None and min_seconds != lesson.min_seconds:
        lesson.min_seconds, changed = min_seconds, True
    db.session.flush()
    if (lesson.body_markdown, lesson.media_id) != content_before:
        lesson.content_version += 1  # learners' progress on this lesson starts again
        changed = True
    if changed:
        _touch(lesson.course)
    return changed


def move_lesson(lesson: Lesson, offset: int) -> None:
    """Move a lesson up (-1) or down (+1) in its course."""
    lessons = list(lesson.course.lessons)
    index = lessons.index(lesson)
    target = index + offset
    if not 0 <= target < len(lessons):
        return
    lessons[index], lessons[target] = lessons[target], lessons[index]
    for position, item in enumerate(lessons, start=1):
        item.position = position
    lesson.course.lessons = lessons  # keep the loaded collection in the new order too
    _touch(lesson.course)
    db.session.flush()


def remove_lesson(lesson: Lesson) -> None:
    course = lesson.course
    course.lessons.remove(lesson)
    for position, item in enumerate(course.lessons, start=1):
        item.position = position
    _touch(course)
    db.session.flush()


def publish_course(course: Course, units: list, by=None) -> None:
    """Make the course visible in each unit's subtree (units are already scope-checked)."""
    if not course.lessons:
        raise CatalogError(_("Add at least one lesson before publishing."))
    if not units:
        raise CatalogError(_("Choose at least one unit to publish to."))
    present = {publication.unit_id for publication in course.publications}
    for unit in units:
        if unit.id not in present:
            course.publications.append(CoursePublication(unit=unit, published_by_id=by.id if by else None))
    if course.status != CourseStatus.PUBLISHED:
        course.status = CourseStatus.PUBLISHED.value
        course.published_at = utcnow()
    db.session.flush()


def unpublish_course(course: Course, unit) -> None:
    course.publications = [p for p in course.publications if p.unit_id != unit.id]
    if not course.publications:
        course.status = CourseStatus.DRAFT.value
    db.session.flush()


def archive_course(course: Course) -> None:
    course.status = CourseStatus.ARCHIVED.value
    db.session.flush()


def set_course_cover(course: Course, media) -> None:
    """Use an image (kind "image") as the course's cover; None removes it. Not a content change."""
    if media is not None and media.kind != "image":
        raise CatalogError(_("A cover must be an image."))
    course.cover_media_id = media.id if media is not None else None
    db.session.flush()
