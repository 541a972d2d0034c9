"""Course evaluations through the pages: the learner rates a finished course (course page,
/courses/<id>/rating, /me/courses), the trainer reads the course analytics, the catalog sorts
by rating. Access matrix: anonymous, a learner who has not finished, the shared TV, another
township's trainer-side account (404)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.model_base import utcnow
from app.extensions import db
from app.org.choices import Role
from app.quiz import services as quiz_services
from app.study import credit
from app.study.progress import services as progress
from app.study.progress.models import CreditSource
from app.study.ratings import services as ratings
from app.study.ratings.models import CourseRating
from tests.conftest import csrf_token, login
from tests.factories import bank_questions, create_account, create_bank, create_course, create_person, create_quiz
from tests.unit.study.study_data import as_loaded, learners_seen_since, playback, video_course


def finish(person, course):
    credit.complete_lesson(person.id, course.lessons[0], source=CreditSource.SELF_STUDY, at=utcnow())
    db.session.commit()


@pytest.fixture
def course(world):
    course = create_course(world.township_a, "马铃薯晚疫病防治", publish_to=[world.township_a])
    db.session.commit()
    return course


def rating_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CourseRating))


def test_rating_page_access(client, world, course):
    other = create_course(world.township_b, "乙镇课程", publish_to=[world.township_b])
    db.session.commit()
    url = f"/courses/{course.id}/rating"
    assert "/login" in client.get(url).headers["Location"]
    login(client, "member-a1")
    not_yet = client.get(url)
    assert not_yet.status_code == 403 and "学完这门课以后才能评价" in not_yet.get_data(as_text=True)
    assert client.get(f"/courses/{other.id}/rating").status_code == 404  # not a course the member may see
    refused = client.post(url, data={"useful": 5, "clear": 5, "csrf_token": csrf_token(client, "/me")})
    assert refused.status_code == 403 and rating_count() == 0
    client.post("/logout", data={"csrf_token": csrf_token(client, "/me")})
    login(client, "tv-a1")
    tv = client.get(url)
    assert tv.status_code == 403 and "请用自己的手机登录后填写" in tv.get_data(as_text=True)
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert 'id="rating-on-own-device"' in page and 'id="rating-form"' not in page


def test_learner_rates_a_finished_course_and_edits_it(client, world, course):
    finish(world.person_a1, course)
    login(client, "member-a1")
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert 'id="rating-form"' in page and "有用吗？" in page and "听得懂吗？" in page and "很有用" in page
    token = csrf_token(client, f"/courses/{course.id}")

    bad = client.post(f"/courses/{course.id}/rating", data={"useful": "9", "clear": "3", "csrf_token": token})
    assert bad.status_code == 400 and "请为“有用吗？”选一个表情" in bad.get_data(as_text=True)
    assert rating_count() == 0

    saved = client.post(f"/courses/{course.id}/rating",
                        data={"useful": "4", "clear": "2", "comment": "讲得有点快", "csrf_token": token})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/courses/{course.id}#course-rating")
    page = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "您已评价过这门课" in page and 'value="讲得有点快"' in page
    assert 'name="useful" value="4" checked' in page and 'name="clear" value="2" checked' in page

    mine = client.get("/me/courses").get_data(as_text=True).split('id="me-courses-done"')[1].split("</section>")[0]
    assert course.title in mine and "我的评价" in mine and "有用" in mine and "懂一点" in mine and "讲得有点快" in mine

    client.post(f"/courses/{course.id}/rating", data={"useful": "5", "clear": "5", "comment": "", "csrf_token": token})
    rating = db.session.scalar(select(CourseRating))
    assert rating_count() == 1 and (rating.useful, rating.clear, rating.comment) == (5, 5, "")


def test_me_pages_offer_rating_of_a_finished_course(client, world, course):
    finish(world.person_a1, course)
    login(client, "member-a1")
    mine = client.get("/me/courses").get_data(as_text=True)
    assert f'href="/courses/{course.id}/rating"' in mine and "评价这门课" in mine
    home = client.get("/me").get_data(as_text=True)
    prompt = home.split('id="me-rate-finished"')[1].split("</section>")[0]
    assert course.title in prompt and f'href="/courses/{course.id}/rating"' in prompt
    ratings.save_rating(world.accounts["member_a1"], course, useful=4, clear=4)
    db.session.commit()
    assert 'id="me-rate-finished"' not in client.get("/me").get_data(as_text=True)  # rated: no longer asked


def take_quiz(quiz, person, account, responses):
    attempt = quiz_services.start_attempt(quiz, person, account=account)
    quiz_services.submit_attempt(attempt, account, responses)


def test_trainer_sees_ratings_completion_drop_off_and_quiz_items(client, world):
    quiz_holder = {}

    def add_quiz(course):
        quiz_holder["quiz"] = create_quiz(course, questions=bank_questions(create_bank(world.county))[:2], pass_mark=50)

    course = video_course(world, duration=100, extra=add_quiz)
    video = course.lessons[0]
    people = [world.person_a1] + [create_person(world.branch_a1, f"学员{n}") for n in range(2)]
    accounts = [world.accounts["member_a1"]] + [create_account(f"m{n}", Role.MEMBER, world.branch_a1, person=p)
                                                for n, p in enumerate(people[1:])]
    db.session.commit()
    now = utcnow()
    learners_seen_since(now - timedelta(hours=3))
    # Learner 0 watches all 100 s, learner 1 the first half, learner 2 the first quarter.
    for account, end in zip(accounts, (100, 50, 25)):
        progress.record_events(account, as_loaded(playback(video.id, 0, end, begin_at=now - timedelta(hours=2))),
                               now=now)
    quiz = quiz_holder["quiz"]
    take_quiz(quiz, people[0], accounts[0], {1: 0, 2: [0, 1]})  # both right
    take_quiz(quiz, people[1], accounts[1], {1: 1, 2: [0, 1]})  # first wrong: 50%, passed
    db.session.commit()
    for person in people[:2]:
        credit.complete_lesson(person.id, video, source=CreditSource.SELF_STUDY, at=utcnow())
    db.session.commit()
    ratings.save_rating(accounts[0], course, useful=5, clear=4, comment="很实用")
    db.session.commit()
    ratings.save_rating(accounts[1], course, useful=3, clear=2, comment="字幕太小")
    db.session.commit()

    login(client, "trainer")
    edit = client.get(f"/manage/courses/{course.id}").get_data(as_text=True)
    assert f'href="/manage/courses/{course.id}/analytics"' in edit
    page = client.get(f"/manage/courses/{course.id}/analytics").get_data(as_text=True)
    assert '<dd id="ratings-count">2</dd>' in page
    assert '<dd id="ratings-useful-average">4.0 / 5</dd>' in page and '<dd id="ratings-clear-average">3.0 / 5</dd>' in page
    assert page.index("字幕太小") < page.index("很实用")  # newest first
    assert '<dd id="course-started">3</dd>' in page and '<dd id="course-completed">2</dd>' in page
    row = page.split(f'id="lesson-row-{video.id}"')[1].split("</tr>")[0]
    assert '<td class="started">3</td>' in row and '<td class="completed">2</td>' in row
    curve = page.split(f'id="drop-off-{video.id}"')[1].split("</section>")[0]
    shares = [cell.split("<")[0] for cell in curve.split('<td class="share">')[1:]]
    assert len(shares) == 20 and shares[0] == "100%" and shares[5] == "67%" and shares[12] == "33%"
    assert "<svg" in curve and "<rect" in curve
    items = page.split(f'id="quiz-items-{quiz.id}"')[1].split("</table>")[0]
    assert [cell.split("<")[0] for cell in items.split('<td class="correct-rate">')[1:]] == ["50%", "100%"]


def test_analytics_counts_only_people_in_scope_and_is_404_outside(client, world, course):
    member_b1 = create_account("member-b1", Role.MEMBER, world.branch_b1, person=world.person_b1)
    county_course = create_course(world.county, "全旗课程", publish_to=[world.county])
    db.session.commit()
    for person in (world.person_a1, world.person_b1):
        finish(person, county_course)
    ratings.save_rating(world.accounts["member_a1"], county_course, useful=5, clear=5, comment="甲镇的话")
    ratings.save_rating(member_b1, county_course, useful=1, clear=1, comment="乙镇的话")
    db.session.commit()

    login(client, "county-org")
    county = client.get(f"/manage/courses/{county_course.id}/analytics").get_data(as_text=True)
    assert '<dd id="ratings-count">2</dd>' in county and "甲镇的话" in county and "乙镇的话" in county
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "org-b")
    assert client.get(f"/manage/courses/{course.id}/analytics").status_code == 404  # owned by township A
    assert client.get(f"/manage/courses/{county_course.id}/analytics").status_code == 404  # owned above org-b
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "member-a1")
    assert client.get(f"/manage/courses/{course.id}/analytics").status_code == 403


def test_comments_are_paginated(client, world, course):
    for number in range(21):
        person = create_person(world.branch_a1, f"评{number}")
        account = create_account(f"r{number}", Role.MEMBER, world.branch_a1, person=person)
        finish(person, course)
        ratings.save_rating(account, course, useful=4, clear=4, comment=f"第{number}句",
                            at=utcnow() + timedelta(minutes=number))
    db.session.commit()
    login(client, "trainer")
    first = client.get(f"/manage/courses/{course.id}/analytics").get_data(as_text=True)
    assert "第20句" in first and "第1句" in first and "第0句" not in first and "?page=2" in first
    second = client.get(f"/manage/courses/{course.id}/analytics?page=2").get_data(as_text=True)
    assert "第0句" in second and "第20句" not in second


def test_catalog_sorts_by_rating_in_the_learners_unit(client, world):
    good = create_course(world.county, "好课", publish_to=[world.county])
    fair = create_course(world.county, "一般的课", publish_to=[world.county])
    unrated = create_course(world.county, "没人评的课", publish_to=[world.county])
    hidden = create_course(world.township_b, "乙镇的课", publish_to=[world.township_b])
    member_b1 = create_account("member-b1", Role.MEMBER, world.branch_b1, person=world.person_b1)
    db.session.commit()
    for item in (good, fair):
        finish(world.person_a1, item)
    finish(world.person_b1, hidden)
    finish(world.person_b1, unrated)
    ratings.save_rating(world.accounts["member_a1"], good, useful=5, clear=4)
    ratings.save_rating(world.accounts["member_a1"], fair, useful=3, clear=3)
    ratings.save_rating(member_b1, unrated, useful=5, clear=5)  # another township: not in A1's sort
    ratings.save_rating(member_b1, hidden, useful=5, clear=5)
    db.session.commit()

    login(client, "member-a1")
    newest = client.get("/courses").get_data(as_text=True)
    assert 'id="course-sort"' in newest
    assert newest.index("没人评的课") < newest.index("一般的课") < newest.index("好课")
    by_rating = client.get("/courses?sort=rating").get_data(as_text=True)
    assert by_rating.index("好课") < by_rating.index("一般的课") < by_rating.index("没人评的课")
    assert "乙镇的课" not in by_rating
    assert "评价4.5分（满分5分，1人）" in by_rating
    assert client.get("/courses?sort=nonsense").status_code == 200
