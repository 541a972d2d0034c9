"""Course ratings: who may rate, what a rating holds, the summaries and the drop-off curve."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.model_base import utcnow
from app.extensions import db
from app.org.choices import Role
from app.study import credit
from app.study.progress import intervals
from app.study.progress.models import CreditSource
from app.study.ratings import queries, services
from app.study.ratings.models import CourseRating
from tests.factories import create_account, create_course, create_person


def finished_course(world, person, course=None):
    course = course or create_course(world.county, "马铃薯晚疫病防治", publish_to=[world.county])
    credit.complete_lesson(person.id, course.lessons[0], source=CreditSource.SELF_STUDY, at=utcnow())
    db.session.commit()
    return course


def test_segments_watched_counts_a_segment_covered_by_half():
    # 100 s in 20 segments of 5 s: [0, 12.5] covers segments 0, 1 and half of 2.
    seen = intervals.segments_watched([(0, 12.5), (50, 52)], 100, 20)
    assert seen[:3] == [True, True, True] and seen[3] is False
    assert seen[10] is False  # 2 of 5 seconds is less than half
    assert intervals.segments_watched([], 100) == [False] * 20
    assert intervals.segments_watched([(0, 10)], 0) == []


def test_drop_off_is_the_share_of_viewers_per_segment():
    viewers, curve = queries.drop_off([[(0, 100)], [(0, 50)], [(0, 25), (75, 100)]], 100, 4)
    assert viewers == 3
    assert [segment.watched for segment in curve] == [3, 2, 1, 2]
    assert [segment.percent for segment in curve] == [100, 67, 33, 67]
    assert queries.drop_off([], 60, 2)[1][0].share is None


def test_only_a_learner_who_finished_may_rate(app, world):
    member = world.accounts["member_a1"]
    course = create_course(world.county, publish_to=[world.county])
    db.session.commit()
    assert not services.may_rate(member, course)
    with pytest.raises(services.RatingRefused) as refused:
        services.save_rating(member, course, useful=5, clear=5)
    assert refused.value.status == 403
    finished_course(world, world.person_a1, course)
    assert services.may_rate(member, course)
    assert not services.may_rate(world.accounts["terminal_a1"], course)  # the shared TV never rates
    assert not services.may_rate(world.accounts["trainer"], course)  # no person of its own


@pytest.mark.parametrize("useful, clear, comment, message", [
    (0, 3, "", "有用吗"), (6, 3, "", "有用吗"), ("x", 3, "", "有用吗"), (None, 3, "", "有用吗"),
    (3, None, "", "听得懂吗"), (3, 3, "很" * 141, "140"),
])
def test_bad_input_is_refused_and_changes_nothing(app, world, useful, clear, comment, message):
    course = finished_course(world, world.person_a1)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with pytest.raises(services.RatingRefused) as refused:
            services.save_rating(world.accounts["member_a1"], course, useful=useful, clear=clear, comment=comment)
    assert message in str(refused.value) and refused.value.status == 400
    assert db.session.scalar(select(func.count()).select_from(CourseRating)) == 0


def test_one_rating_per_learner_and_course_edited_in_place(app, world):
    member = world.accounts["member_a1"]
    course = finished_course(world, world.person_a1)
    first = services.save_rating(member, course, useful=2, clear=3, comment="  讲得太快\n了  ")
    assert first.comment == "讲得太快 了"
    second = services.save_rating(member, course, useful=5, clear="4", comment="")
    db.session.commit()
    assert second.id == first.id and (second.useful, second.clear, second.comment) == (5, 4, "")
    assert db.session.scalar(select(func.count()).select_from(CourseRating)) == 1


def test_summary_and_comments_count_only_raters_in_scope(app, world):
    course = create_course(world.county, publish_to=[world.county])
    member_b1 = create_account("member-b1", Role.MEMBER, world.branch_b1, person=world.person_b1)
    second_a = create_person(world.branch_a2, "王甲二")
    member_a2 = create_account("member-a2", Role.MEMBER, world.branch_a2, person=second_a)
    for person in (world.person_a1, world.person_b1, second_a):
        finished_course(world, person, course)
    services.save_rating(world.accounts["member_a1"], course, useful=5, clear=4, comment="很有用")
    services.save_rating(member_b1, course, useful=1, clear=1, comment="听不懂")
    services.save_rating(member_a2, course, useful=3, clear=2)
    db.session.commit()

    county = queries.rating_summary(world.accounts["trainer"], course.id)
    assert county.count == 3 and county.useful.average == 3.0
    assert dict(county.useful.distribution) == {1: 1, 2: 0, 3: 1, 4: 0, 5: 1}
    township_a = queries.rating_summary(world.accounts["organiser_a"], course.id)
    assert township_a.count == 2 and township_a.clear.average == 3.0 and township_a.overall == 3.5
    comments = queries.list_comments(world.accounts["organiser_a"], course.id)
    assert [rating.comment for rating in comments.items] == ["很有用"]
    assert queries.averages_for(world.accounts["organiser_b"], [course.id]) == {course.id: (1.0, 1)}
