"""Catalog services: versions, slugs, credit hours, lesson order, publishing."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog import services
from app.catalog.choices import CourseStatus, LessonType
from app.catalog.models import Category, Lesson
from app.extensions import db
from tests.factories import create_course, create_lesson


def _category(code="agri_tech"):
    services.ensure_builtin_categories()
    return db.session.scalar(select(Category).where(Category.code == code))


def _update(course, **changes):
    values = dict(title=course.title, summary=course.summary, category=course.category,
                  credit_hours=course.credit_hours, tags=course.tags, audience_categories=[], audience_cadre_roles=[])
    values.update(changes)
    return services.update_course(course, **values)


def test_builtin_categories_are_created_once(app):
    services.ensure_builtin_categories()
    services.ensure_builtin_categories()
    names = list(db.session.scalars(select(Category.name).order_by(Category.position)))
    assert names == ["政策理论", "农业科技", "市场经营", "法律法规", "乡村治理"]


def test_admin_defined_category_code_rules(app):
    services.ensure_builtin_categories()
    category = services.create_category("beekeeping", "养蜂")
    assert not category.is_builtin and category.position > 4
    with pytest.raises(services.CatalogError):
        services.create_category("beekeeping", "又一个")
    with pytest.raises(services.CatalogError):
        services.create_category("有中文", "养蜂")


def test_editing_a_draft_keeps_version_one(world):
    course = create_course(world.county, "马铃薯晚疫病防治")
    assert _update(course, title="马铃薯晚疫病的防治") is True
    create_lesson(course, title="第二课")
    assert course.version == 1 and course.status == CourseStatus.DRAFT


def test_editing_a_published_course_bumps_version_only_on_change(world):
    course = create_course(world.county, "马铃薯晚疫病防治", publish_to=[world.township_a])
    assert course.status == CourseStatus.PUBLISHED and course.version == 1
    assert _update(course) is False
    assert course.version == 1
    assert _update(course, credit_hours="2") is True
    assert course.version == 2
    create_lesson(course, title="补充")
    assert course.version == 3
    lesson = course.lessons[0]
    assert services.update_lesson(lesson, title=lesson.title, body_markdown=lesson.body_markdown) is False
    assert course.version == 3
    assert services.update_lesson(lesson, title=lesson.title, body_markdown="# 新内容") is True
    assert course.version == 4 and lesson.content_version == 2


def test_slug_rules(world):
    category = _category()
    course = services.create_course(title="课程", category=category, owner_unit=world.county)
    assert course.slug == f"course-{course.id}"
    named = services.create_course(title="课程", category=category, owner_unit=world.county, slug="potato-blight")
    assert named.slug == "potato-blight"
    with pytest.raises(services.CatalogError):
        services.create_course(title="课程", category=category, owner_unit=world.county, slug="potato-blight")
    for bad in ("potato blight", "土豆", "-x-", "a"):
        with pytest.raises(services.CatalogError):
            services.create_course(title="课程", category=category, owner_unit=world.county, slug=bad)


@pytest.mark.parametrize("value, expected", [("2", Decimal("2")), ("1.5", Decimal("1.5")), (" 0.5 ", Decimal("0.5"))])
def test_credit_hours_accepted(value, expected):
    assert services.parse_credit_hours(value) == expected


@pytest.mark.parametrize("value", ["0", "-1", "1.25", "101", "两", ""])
def test_credit_hours_refused(value):
    with pytest.raises(services.CatalogError):
        services.parse_credit_hours(value)


def test_title_is_required(world):
    with pytest.raises(services.CatalogError):
        services.create_course(title="  ", category=_category(), owner_unit=world.county)


def test_tags_and_audience_are_cleaned(world):
    course = create_course(world.county, tags=["土豆", " 土豆 ", "", "植保"],
                           audience_categories=["full_member"], audience_cadre_roles=[])
    assert course.tags == ["土豆", "植保"]
    assert [(row.kind, row.value) for row in course.audience_rows] == [("category", "full_member")]


def test_lessons_keep_order_through_move_and_remove(world):
    course = create_course(world.county, lessons=3)
    first, second, third = course.lessons
    services.move_lesson(third, -1)
    assert [lesson.title for lesson in course.lessons] == ["第1课", "第3课", "第2课"]
    services.move_lesson(first, -1)  # already first: nothing moves
    services.remove_lesson(third)
    db.session.expire_all()
    rows = db.session.execute(select(Lesson.title, Lesson.position).where(Lesson.course_id == course.id)
                              .order_by(Lesson.position)).all()
    assert rows == [("第1课", 1), ("第2课", 2)]


def test_media_lessons_need_media(world):
    course = create_course(world.county, lessons=0)
    for lesson_type in (LessonType.VIDEO, LessonType.AUDIO, LessonType.DOCUMENT):
        with pytest.raises(services.CatalogError):
            create_lesson(course, type=lesson_type)
    quiz = create_lesson(course, type=LessonType.QUIZ, title="课后测验")
    assert quiz.position == 1 and quiz.type == "quiz"


def test_publishing_needs_lessons_and_units_then_unpublish_returns_to_draft(world):
    course = create_course(world.county, lessons=0)
    with pytest.raises(services.CatalogError):
        services.publish_course(course, [world.township_a])
    create_lesson(course)
    with pytest.raises(services.CatalogError):
        services.publish_course(course, [])
    services.publish_course(course, [world.township_a, world.township_b])
    services.publish_course(course, [world.township_a])  # twice is harmless
    assert sorted(p.unit_id for p in course.publications) == sorted([world.township_a.id, world.township_b.id])
    assert course.published_at is not None
    services.unpublish_course(course, world.township_a)
    assert course.status == CourseStatus.PUBLISHED
    services.unpublish_course(course, world.township_b)
    assert course.status == CourseStatus.DRAFT and course.publications == []


def test_archive(world):
    course = create_course(world.county, publish_to=[world.township_a])
    services.archive_course(course)
    assert course.status == CourseStatus.ARCHIVED
