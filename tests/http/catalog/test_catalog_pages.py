"""Catalog pages: learners' catalog, course and lesson pages; trainers' manage pages."""
import pytest
from sqlalchemy import select

from app.catalog import services
from app.catalog.models import Category, Course, Lesson
from app.extensions import db
from app.media.models import Media, MediaStatus
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import create_course, create_lesson

USERNAMES = {"member_a1": "member-a1", "terminal_a1": "tv-a1", "trainer": "trainer", "organiser_a": "org-a",
             "organiser_b": "org-b", "admin": "admin", "secretary_a1": "sec-a1"}


def _login(client, key):
    login(client, USERNAMES[key])


@pytest.fixture
def course_a(world):
    course = create_course(world.township_a, "马铃薯晚疫病防治", summary="识别与用药", credit_hours="2",
                           audience_categories=["full_member"], lessons=0)
    create_lesson(course, title="识别病斑", body_markdown="# 病斑特征\n\n<script>alert(1)</script>叶片出现水渍状斑点。")
    create_lesson(course, type="quiz", title="课后测验")
    services.publish_course(course, [world.township_a])
    db.session.commit()
    return course


@pytest.fixture
def course_b(world):
    course = create_course(world.township_b, "乙镇合作社财务", publish_to=[world.township_b])
    db.session.commit()
    return course


# --- learners ---------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, world, course_a):
    for url in ("/courses", f"/courses/{course_a.id}", f"/courses/{course_a.id}/lessons/{course_a.lessons[0].id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("key", ["member_a1", "terminal_a1"])
def test_branch_sees_township_course_not_other_township(client, world, course_a, course_b, key):
    draft = create_course(world.township_a, "甲镇草稿")
    db.session.commit()
    _login(client, key)
    html = client.get("/courses").get_data(as_text=True)
    assert "马铃薯晚疫病防治" in html and "2 学时" in html or "2 credit hours" in html
    assert "乙镇合作社财务" not in html and "甲镇草稿" not in html
    assert client.get(f"/courses/{course_b.id}").status_code == 404
    assert client.get(f"/courses/{draft.id}").status_code == 404
    assert client.get(f"/courses/{course_b.id}/lessons/{course_b.lessons[0].id}").status_code == 404


def test_course_page_lists_lessons_and_audience(client, world, course_a):
    _login(client, "member_a1")
    html = client.get(f"/courses/{course_a.id}").get_data(as_text=True)
    assert "识别与用药" in html and "识别病斑" in html and "课后测验" in html
    assert 'id="course-audience"' in html
    first = course_a.lessons[0]
    assert f'href="/courses/{course_a.id}/lessons/{first.id}"' in html  # start learning


def test_text_lesson_is_rendered_and_sanitised(client, world, course_a):
    _login(client, "member_a1")
    text, quiz = course_a.lessons
    html = client.get(f"/courses/{course_a.id}/lessons/{text.id}").get_data(as_text=True)
    assert "<h1>病斑特征</h1>" in html and "水渍状斑点" in html
    assert "alert(1)" not in html
    assert f"/courses/{course_a.id}/lessons/{quiz.id}" in html  # next lesson
    html = client.get(f"/courses/{course_a.id}/lessons/{quiz.id}").get_data(as_text=True)
    assert 'id="quiz-placeholder"' in html or "quiz" in html
    assert f"/courses/{course_a.id}/lessons/{text.id}" in html  # previous lesson


def test_lesson_of_another_course_is_404(client, world, course_a, course_b):
    _login(client, "member_a1")
    assert client.get(f"/courses/{course_a.id}/lessons/{course_b.lessons[0].id}").status_code == 404


def test_search_and_category_tabs(client, world, course_a):
    create_course(world.county, "乡村振兴政策解读", category_code="policy", publish_to=[world.county])
    db.session.commit()
    _login(client, "member_a1")
    html = client.get("/courses?q=mls").get_data(as_text=True)
    assert "马铃薯晚疫病防治" in html and "乡村振兴政策解读" not in html
    html = client.get("/courses?category=policy").get_data(as_text=True)
    assert "乡村振兴政策解读" in html and "马铃薯晚疫病防治" not in html
    html = client.get("/courses?q=不存在的课").get_data(as_text=True)
    assert 'id="catalog-empty"' in html


def test_catalog_pages(client, world):
    for number in range(23):
        create_course(world.county, f"课程{number:02d}", publish_to=[world.township_a])
    db.session.commit()
    _login(client, "member_a1")
    first = client.get("/courses").get_data(as_text=True)
    second = client.get("/courses?page=2").get_data(as_text=True)
    assert first.count('class="course-card"') == 20 and second.count('class="course-card"') == 3
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_media_lesson_uses_its_media(client, world):
    media = Media(kind="video", status=MediaStatus.READY, original_name="田间讲解.mp4", owner_unit_id=world.county.id,
                  duration=125.0)
    db.session.add(media)
    course = create_course(world.county, "视频课", lessons=0)
    create_lesson(course, type="video", title="田间讲解", media=media)
    services.publish_course(course, [world.township_a])
    db.session.commit()
    _login(client, "member_a1")
    assert "2:05" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    response = client.get(f"/courses/{course.id}/lessons/{course.lessons[0].id}")
    assert response.status_code == 200


# --- managing ---------------------------------------------------------------------------------

MANAGE_MATRIX = {
    None: 302,
    "member_a1": 403,
    "terminal_a1": 403,
    "trainer": 200,
    "organiser_a": 200,
    "admin": 200,
}


@pytest.mark.parametrize("key", list(MANAGE_MATRIX))
def test_manage_access_matrix(client, world, course_a, key):
    if key:
        _login(client, key)
    for url in ("/manage/courses", "/manage/courses/new", f"/manage/courses/{course_a.id}",
                f"/manage/courses/{course_a.id}/lessons/{course_a.lessons[0].id}"):
        assert client.get(url).status_code == MANAGE_MATRIX[key], (key, url)


def test_other_townships_course_is_404_for_its_organiser(client, world, course_a):
    _login(client, "organiser_b")
    assert client.get(f"/manage/courses/{course_a.id}").status_code == 404
    assert client.get(f"/manage/courses/{course_a.id}/archive").status_code == 404
    token = csrf_token(client, "/manage/courses")
    response = client.post(f"/manage/courses/{course_a.id}/lessons/text",
                           data={"title": "闯入", "body": "x", "csrf_token": token})
    assert response.status_code == 404
    assert "甲镇" not in client.get("/manage/courses").get_data(as_text=True)


def test_categories_are_for_admins(client, world):
    _login(client, "trainer")
    assert client.get("/manage/categories").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _login(client, "admin")
    html = client.get("/manage/categories").get_data(as_text=True)
    response = client.post("/manage/categories", data={"code": "beekeeping", "name": "养蜂", "csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert db.session.scalar(select(Category.name).where(Category.code == "beekeeping")) == "养蜂"


def test_trainer_builds_and_publishes_a_course(client, world):
    from app.catalog.services import ensure_builtin_categories

    ensure_builtin_categories()
    db.session.commit()
    agri = db.session.scalar(select(Category).where(Category.code == "agri_tech"))
    _login(client, "organiser_a")
    html = client.get("/manage/courses/new").get_data(as_text=True)
    response = client.post("/manage/courses/new", data={
        "title": "马铃薯晚疫病防治", "category_id": agri.id, "credit_hours": "2", "summary": "田间课",
        "tags": "植保，土豆", "audience_categories": ["full_member", "probationary"],
        "owner_unit_id": world.township_a.id, "csrf_token": csrf_from(html)})
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.title == "马铃薯晚疫病防治"))
    assert course.owner_unit_id == world.township_a.id and sorted(course.tags) == sorted(["植保", "土豆"])
    edit_url = f"/manage/courses/{course.id}"
    assert response.headers["Location"].endswith(edit_url)

    token = csrf_from(client.get(edit_url).get_data(as_text=True))
    response = client.post(f"{edit_url}/lessons/text", data={"title": "识别", "body": "# 病斑\n\n- 叶片", "csrf_token": token})
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>病斑</h1>" in preview
    client.post(f"{edit_url}/lessons/quiz", data={"title": "测验", "csrf_token": token})
    lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)))
    assert [lesson.title for lesson in lessons] == ["识别", "测验"]

    client.post(f"{edit_url}/lessons/{lessons[1].id}/move", data={"direction": "up", "csrf_token": token})
    db.session.expire_all()
    assert [lesson.title for lesson in course.lessons] == ["测验", "识别"]

    # Publishing outside scope is refused; inside scope works.
    response = client.post(f"{edit_url}/publish", data={"unit_ids": [world.township_b.id], "csrf_token": token})
    assert response.status_code == 400
    response = client.post(f"{edit_url}/publish", data={"unit_ids": [world.township_a.id], "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert course.status == "published" and course.version == 1

    response = client.post(edit_url, data={"title": "马铃薯晚疫病防治", "category_id": agri.id, "credit_hours": "2.5",
                                            "summary": "田间课", "tags": "植保, 土豆", "csrf_token": token,
                                            "audience_categories": ["full_member", "probationary"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert course.version == 2 and str(course.credit_hours) == "2.5"

    # Removal and archiving ask first.
    remove_url = f"{edit_url}/lessons/{lessons[0].id}/remove"
    assert "识别" in client.get(remove_url).get_data(as_text=True)
    assert client.post(remove_url, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert [lesson.title for lesson in course.lessons] == ["测验"]
    assert client.post(f"{edit_url}/archive", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert course.status == "archived"


def test_invalid_course_form_shows_errors(client, world):
    from app.catalog.services import ensure_builtin_categories

    ensure_builtin_categories()
    db.session.commit()
    _login(client, "trainer")
    html = client.get("/manage/courses/new").get_data(as_text=True)
    agri = db.session.scalar(select(Category.id).where(Category.code == "agri_tech"))
    response = client.post("/manage/courses/new", data={
        "title": "课", "category_id": agri, "credit_hours": "1.25", "owner_unit_id": world.county.id,
        "csrf_token": csrf_from(html)})
    assert response.status_code == 400
    assert db.session.scalar(select(Course.id)) is None


def test_forms_need_csrf(client, world, course_a):
    _login(client, "organiser_a")
    edit_url = f"/manage/courses/{course_a.id}"
    lesson = course_a.lessons[0]
    for url, data in [(f"{edit_url}/lessons/text", {"title": "x", "body": "y"}),
                      (f"{edit_url}/lessons/{lesson.id}/remove", {}),
                      (f"{edit_url}/lessons/{lesson.id}/move", {"direction": "down"}),
                      (f"{edit_url}/archive", {}),
                      (f"{edit_url}/publish", {"unit_ids": [world.township_a.id]}),
                      (f"{edit_url}/publications/{world.township_a.id}/withdraw", {})]:
        assert client.post(url, data=data).status_code == 400, url
    db.session.expire_all()
    assert len(course_a.lessons) == 2 and course_a.status == "published"


def test_media_lesson_choice_is_ready_media_in_scope(client, world, course_a):
    ready = Media(kind="document", status=MediaStatus.READY, original_name="手册.pdf", owner_unit_id=world.township_a.id)
    queued = Media(kind="video", status=MediaStatus.PROCESSING, original_name="转码中.mp4", owner_unit_id=world.township_a.id)
    other = Media(kind="video", status=MediaStatus.READY, original_name="乙镇.mp4", owner_unit_id=world.township_b.id)
    db.session.add_all([ready, queued, other])
    db.session.commit()
    _login(client, "organiser_a")
    edit_url = f"/manage/courses/{course_a.id}"
    html = client.get(edit_url).get_data(as_text=True)
    assert "手册.pdf" in html and "转码中.mp4" not in html and "乙镇.mp4" not in html
    token = csrf_from(html)
    assert client.post(f"{edit_url}/lessons/media", data={"title": "偷", "media_id": other.id, "csrf_token": token}
                       ).status_code == 400
    response = client.post(f"{edit_url}/lessons/media", data={"title": "手册", "media_id": ready.id, "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert (course_a.lessons[-1].type, course_a.lessons[-1].media_id) == ("document", ready.id)


def test_home_panels(client, world, course_a):
    _login(client, "member_a1")
    home = client.get("/", follow_redirects=True).get_data(as_text=True)  # a member's home is /me
    assert course_a.title in home.split('id="me-courses-remaining"')[1].split("</section>")[0]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _login(client, "organiser_a")
    assert 'id="my-courses-panel"' in client.get("/").get_data(as_text=True)


def _tags_input_value(html: str) -> str:
    import re

    match = re.search(r'<input[^>]*name="tags"[^>]*>', html)
    assert match, "the edit form has a tags field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


@pytest.mark.parametrize("typed", ["马铃薯,晚疫病", "马铃薯，晚疫病", "马铃薯、晚疫病", " 马铃薯 ， 晚疫病 ", "马铃薯；晚疫病"])
def test_course_tags_survive_saving_the_edit_form_again(client, world, typed):
    from app.catalog.services import ensure_builtin_categories

    ensure_builtin_categories()
    db.session.commit()
    agri = db.session.scalar(select(Category.id).where(Category.code == "agri_tech"))
    _login(client, "trainer")
    html = client.get("/manage/courses/new").get_data(as_text=True)
    response = client.post("/manage/courses/new", data={
        "title": "马铃薯晚疫病防治", "category_id": agri, "credit_hours": "2", "tags": typed,
        "owner_unit_id": world.township_a.id, "csrf_token": csrf_from(html)})
    assert response.status_code == 302
    course = db.session.scalar(select(Course).where(Course.title == "马铃薯晚疫病防治"))
    assert course.tags == ["马铃薯", "晚疫病"]
    edit_url = f"/manage/courses/{course.id}"

    # Save the form twice exactly as the page shows it: the tags stay as typed, in that order.
    for _ in range(2):
        html = client.get(edit_url).get_data(as_text=True)
        assert _tags_input_value(html) == "马铃薯,晚疫病"
        response = client.post(edit_url, data={
            "title": "马铃薯晚疫病防治", "category_id": agri, "credit_hours": "2",
            "tags": _tags_input_value(html), "csrf_token": csrf_from(html)})
        assert response.status_code == 302
        db.session.expire_all()
        assert course.tags == ["马铃薯", "晚疫病"]

    # Reordering and removing keep the new order.
    html = client.get(edit_url).get_data(as_text=True)
    client.post(edit_url, data={"title": "马铃薯晚疫病防治", "category_id": agri, "credit_hours": "2",
                                "tags": "植保、晚疫病，马铃薯", "csrf_token": csrf_from(html)})
    db.session.expire_all()
    assert course.tags == ["植保", "晚疫病", "马铃薯"]
    client.post(edit_url, data={"title": "马铃薯晚疫病防治", "category_id": agri, "credit_hours": "2",
                                "tags": "马铃薯", "csrf_token": csrf_from(html)})
    db.session.expire_all()
    assert course.tags == ["马铃薯"]


def _checked_publish_units(html: str) -> set[int]:
    import re

    return {int(value) for tag in re.findall(r'<input[^>]*name="unit_ids"[^>]*>', html)
            if "checked" in tag for value in re.findall(r'value="(\d+)"', tag)}


def test_publish_form_proposes_the_unit_that_owns_the_course(client, world):
    # The trainer's scope is the whole county; the course belongs to township A.
    course = create_course(world.township_a, "甲镇草稿课", lessons=1)
    db.session.commit()
    _login(client, "trainer")
    html = client.get(f"/manage/courses/{course.id}").get_data(as_text=True)
    assert _checked_publish_units(html) == {world.township_a.id}

    # Once published, the form shows where it is published.
    services.publish_course(course, [world.township_a, world.township_b])
    db.session.commit()
    html = client.get(f"/manage/courses/{course.id}").get_data(as_text=True)
    assert _checked_publish_units(html) == {world.township_a.id, world.township_b.id}


@pytest.fixture
def draft_a(world):
    course = create_course(world.township_a, "甲镇草稿：晚疫病", lessons=0)
    create_lesson(course, title="识别病斑", body_markdown="# 病斑")
    create_lesson(course, type="quiz", title="课后测验")
    db.session.commit()
    return course


@pytest.mark.parametrize("who, status", [
    (None, 302), ("member_a1", 404), ("terminal_a1", 404), ("secretary_a1", 404),
    ("organiser_b", 404), ("organiser_a", 200), ("trainer", 200), ("admin", 200)])
def test_draft_preview_access(client, world, draft_a, who, status):
    if who:
        _login(client, who)
    lesson = draft_a.lessons[0]
    for url in (f"/courses/{draft_a.id}", f"/courses/{draft_a.id}/lessons/{lesson.id}"):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert "/login" in response.headers["Location"]
    if status == 200:
        html = client.get(f"/courses/{draft_a.id}").get_data(as_text=True)
        assert "识别病斑" in html and 'id="preview-notice"' in html


def test_course_page_is_the_trainers_workbench(client, world, draft_a):
    _login(client, "trainer")
    html = client.get(f"/manage/courses/{draft_a.id}").get_data(as_text=True)
    quiz_lesson = draft_a.lessons[1]
    assert f'href="/media/new?course={draft_a.id}"' in html
    assert f'href="/courses/{draft_a.id}"' in html and 'id="preview-as-learner"' in html
    setup = f'/quiz/courses/{draft_a.id}/new?lesson={quiz_lesson.id}'
    assert setup in html
    # The quiz set up through that link shows as its settings link afterwards.
    form_html = client.get(setup).get_data(as_text=True)
    assert client.get(setup).status_code == 200
    from app.quiz.queries import get_quiz_of_lesson
    response = client.post(setup, data={"title": "课后测验", "pass_mark": "60", "max_attempts": "",
                                        "score_policy": "best", "csrf_token": csrf_from(form_html)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    quiz = get_quiz_of_lesson(quiz_lesson.id)
    assert quiz is not None and float(quiz.pass_mark) == 60
    html = client.get(f"/manage/courses/{draft_a.id}").get_data(as_text=True)
    assert f"/quiz/manage/{quiz.id}" in html and setup not in html
    # The upload page knows the course the media is for.
    upload = client.get(f"/media/new?course={draft_a.id}")
    assert upload.status_code == 200 and draft_a.title in upload.get_data(as_text=True)
