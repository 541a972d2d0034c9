"""Importing and exporting course packages against the real database and media pipeline."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course, Lesson
from app.packages.services import export_course
from app.packages.manifest import PackageError, load_package
from app.catalog.services import ensure_builtin_categories
from app.extensions import db
from tests.unit.packages.package_data import import_and_commit
from app.media.models import Media, MediaStatus

COURSES = Path(__file__).resolve().parents[3] / "courses"
STARTER = sorted(path for path in COURSES.iterdir() if (path / "course.yaml").is_file())


@pytest.fixture
def owner(world):
    ensure_builtin_categories()
    db.session.commit()
    return world.county


def _course(slug) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _media_files(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.slow
def test_every_starter_package_imports_with_a_playable_generated_video(app, owner):
    for folder in STARTER:
        report = import_and_commit(folder, owner)
        assert report.action == "created", folder.name
    courses = list(db.session.scalars(select(Course)))
    assert len(courses) == len(STARTER) >= 9
    for course in courses:
        types = [lesson.type for lesson in course.lessons]
        assert types.count("quiz") == 1 and "video" in types
        video = next(lesson for lesson in course.lessons if lesson.type == "video")
        assert video.media.generated and video.media.status == MediaStatus.READY, course.slug
        assert {rendition.label for rendition in video.media.renditions} >= {"240p", "360p"}
        assert video.body_markdown.startswith("- ")  # the key points, shown under the video


def test_reimport_of_unchanged_package_changes_nothing(app, owner, potato):
    first = import_and_commit(potato, owner)
    course = _course("potato-seed-and-yield")
    lesson_ids = [lesson.id for lesson in course.lessons]
    media_count = db.session.scalar(select(func.count()).select_from(Media))
    files = _media_files(app)
    again = import_and_commit(potato, owner)
    assert (first.action, again.action) == ("created", "unchanged")
    course = _course("potato-seed-and-yield")
    assert course.version == 1 and [lesson.id for lesson in course.lessons] == lesson_ids
    assert db.session.scalar(select(func.count()).select_from(Media)) == media_count
    assert _media_files(app) == files


def test_changed_lesson_bumps_version_and_keeps_the_other_lessons(app, world, owner, potato):
    from datetime import datetime, timezone

    from app.study import credit as completion

    import_and_commit(potato, owner)
    course = _course("potato-seed-and-yield")
    before = {lesson.position: (lesson.id, lesson.content_version) for lesson in course.lessons}
    studied = [lesson for lesson in course.lessons if lesson.type == "text"][:2]
    for lesson in studied:
        completion.complete_lesson(world.person_a1.id, lesson, source="self_study",
                                   at=datetime(2026, 11, 1, tzinfo=timezone.utc))
    db.session.commit()
    lesson_file = sorted((potato / "lessons").glob("*.md"))[1]
    lesson_file.write_text(lesson_file.read_text(encoding="utf-8") + "\n\n补充一句。\n", encoding="utf-8")
    report = import_and_commit(potato, owner)
    assert report.action == "updated" and report.lessons_changed == 1
    course = _course("potato-seed-and-yield")
    after = {lesson.position: (lesson.id, lesson.content_version) for lesson in course.lessons}
    assert course.version == 2
    changed = [position for position in before if before[position] != after[position]]
    assert changed == [2]  # every other lesson is the same row, so progress on it is kept
    done = completion.completed_lesson_ids(world.person_a1.id, [lesson.id for lesson in studied], course)
    assert done == {studied[0].id}  # lesson 1 stays studied; the changed lesson 2 must be studied again


def test_export_then_import_is_identical(app, owner, potato, tmp_path):
    import_and_commit(potato, owner)
    course = _course("potato-seed-and-yield")
    exported = export_course(course, tmp_path / "exported")
    assert import_and_commit(exported, owner).action == "unchanged"
    archive = export_course(course, tmp_path / "exported.zip")
    with zipfile.ZipFile(archive) as bundle:
        assert "potato-seed-and-yield/course.yaml" in bundle.namelist()
    original, again = load_package(potato), load_package(exported)
    for name in ("slug", "title", "summary", "category", "credit_hours", "version",
                 "audience_categories", "audience_cadre_roles"):
        assert getattr(again, name) == getattr(original, name), name
    assert sorted(again.tags) == sorted(original.tags)
    assert [(l.type, l.title, l.key_points, l.pass_mark, l.draw) for l in again.lessons] == \
        [(l.type, l.title, l.key_points, l.pass_mark, l.draw) for l in original.lessons]


def test_invalid_package_changes_nothing(app, owner, potato):
    (potato / "course.yaml").write_text(
        (potato / "course.yaml").read_text(encoding="utf-8").replace("category: agri_tech", "category: nonsense"),
        encoding="utf-8")
    with pytest.raises(PackageError) as caught:
        import_and_commit(potato, owner)
    db.session.rollback()
    assert "nonsense" in str(caught.value)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0


def test_cli_validate_import_export(app, owner, potato, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["courses", "validate", str(potato)]).exit_code == 0
    result = runner.invoke(args=["courses", "import", str(potato), "--unit", owner.code])
    assert result.exit_code == 0 and "created" in result.output
    out = tmp_path / "out.zip"
    assert runner.invoke(args=["courses", "export", "potato-seed-and-yield", "--out", str(out)]).exit_code == 0
    result = runner.invoke(args=["courses", "import", str(out), "--unit", owner.code])
    assert result.exit_code == 0 and "unchanged" in result.output
    (potato / "course.yaml").write_text("slug: Bad Slug\n", encoding="utf-8")
    result = runner.invoke(args=["courses", "validate", str(potato)])
    assert result.exit_code == 1 and "course.yaml" in result.output


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in folder.rglob("*"):
            if path.is_file():
                bundle.write(path, f"pkg/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def test_trainer_imports_zip_in_the_browser_form(app, client, owner, potato):
    from tests.conftest import csrf_token, login

    login(client, "trainer")
    response = client.post("/manage/courses/import", data={
        "file": (io.BytesIO(_zip_folder(potato)), "课程.zip"), "csrf_token": csrf_token(client, "/manage/courses/import"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    assert _course("potato-seed-and-yield").owner_unit_id == owner.id


def test_malicious_zip_in_the_browser_form_is_refused_and_changes_nothing(app, client, owner):
    from tests.conftest import csrf_token, login

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("course.yaml", "slug: x\n")
        bundle.writestr("../../escape.txt", "x")
    login(client, "trainer")
    response = client.post("/manage/courses/import", data={
        "file": (io.BytesIO(buffer.getvalue()), "evil.zip"), "csrf_token": csrf_token(client, "/manage/courses/import"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "课程包未被接受" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    assert _media_files(app) == []


@pytest.mark.parametrize("username, status", [(None, 302), ("member-a1", 403), ("tv-a1", 403), ("trainer", 200)])
def test_package_import_page_access(client, world, username, status):
    from tests.conftest import login

    if username:
        login(client, username)
    assert client.get("/manage/courses/import").status_code == status


@pytest.mark.slow
def test_full_demo_has_courses_sessions_and_hours_and_is_idempotent(app):
    import json

    from app.study.progress.models import CreditGrant
    from app.study.sessions.models import Attendance, MakeUp, StudySession

    def counts():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (Course, Lesson, Media, StudySession, Attendance, MakeUp, CreditGrant))

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    json.loads(result.output)  # stdout stays pure JSON
    first = counts()
    courses, lessons, media, sessions, attendance, make_ups, grants = first
    assert courses >= 9 and media >= 9
    assert sessions == 12  # a coming and a past session at each of the six sites
    assert attendance == 6 * 10  # the past sessions: every expected person has a final status
    assert make_ups == 6 * 2  # two absentees a branch, one more on approved leave
    assert grants > 0
    published = db.session.scalars(select(Course)).all()
    assert all(course.status == "published" for course in published)
    upcoming = db.session.scalar(select(StudySession).where(StudySession.title == "马铃薯晚疫病防治",
                                                            StudySession.status == "scheduled"))
    assert upcoming is not None
    assert runner.invoke(args=["demo", "--json"]).exit_code == 0
    assert counts() == first


def test_generated_video_lesson_shows_its_key_points(app, client, owner, potato):
    from app.catalog.services import publish_course
    from tests.conftest import login

    import_and_commit(potato, owner)
    course = _course("potato-seed-and-yield")
    publish_course(course, [owner])
    db.session.commit()
    video = next(lesson for lesson in course.lessons if lesson.type == "video")
    login(client, "member-a1")
    html = client.get(f"/courses/{course.id}/lessons/{video.id}").get_data(as_text=True)
    assert 'id="lesson-notes"' in html
    assert all(point in html for point in load_package(potato).lessons[video.position - 1].key_points)
