"""Learner visibility and search: the one rule pages, API and media serving share."""
from types import SimpleNamespace

import pytest

from app.catalog import queries, services
from app.catalog.choices import CourseStatus
from tests.factories import create_course


def _titles(account, **kwargs):
    return [course.title for course in queries.list_courses_for(account, **kwargs).items]


@pytest.fixture
def courses(world):
    courses = {
        "a": create_course(world.county, "马铃薯晚疫病防治", summary="田间识别与用药", tags=["植保"],
                           publish_to=[world.township_a]),
        "b": create_course(world.county, "乙镇合作社财务", category_code="market", publish_to=[world.township_b]),
        "county": create_course(world.county, "乡村振兴政策解读", category_code="policy", publish_to=[world.county]),
        "draft": create_course(world.county, "草稿课程"),
        "archived": create_course(world.county, "旧课程", publish_to=[world.township_a]),
    }
    services.archive_course(courses["archived"])
    return courses


def test_branch_member_sees_township_and_county_courses_only(world, courses):
    member = world.accounts["member_a1"]
    assert sorted(_titles(member)) == sorted(["马铃薯晚疫病防治", "乡村振兴政策解读"])
    assert queries.count_courses_for(member) == 2


def test_terminal_sees_what_its_branch_sees(world, courses):
    assert sorted(_titles(world.accounts["terminal_a1"])) == sorted(_titles(world.accounts["member_a1"]))


def test_township_b_does_not_see_township_a(world, courses):
    assert sorted(_titles(world.accounts["organiser_b"])) == sorted(["乙镇合作社财务", "乡村振兴政策解读"])


def test_county_account_sees_only_what_is_published_to_the_county(world, courses):
    # A publication reaches the unit's subtree, not the units above it.
    assert _titles(world.accounts["trainer"]) == ["乡村振兴政策解读"]


def test_admin_sees_every_published_course(world, courses):
    assert len(_titles(world.accounts["admin"])) == 3


def test_account_without_scope_sees_nothing(world, courses):
    # Accounts other than administrators always have a scope unit; should one lack it, it sees nothing.
    stray = SimpleNamespace(scope_unit=None, is_admin=False)
    assert _titles(stray) == []


def test_get_visible_course_or_404(world, courses):
    from werkzeug.exceptions import NotFound

    member = world.accounts["member_a1"]
    assert queries.get_visible_course_or_404(member, courses["a"].id) is courses["a"]
    for key in ("b", "draft"):
        with pytest.raises(NotFound):
            queries.get_visible_course_or_404(member, courses[key].id)
    services.archive_course(courses["a"])
    assert courses["a"].status == CourseStatus.ARCHIVED
    with pytest.raises(NotFound):
        queries.get_visible_course_or_404(member, courses["a"].id)


@pytest.mark.parametrize("query", ["马铃薯", "晚疫病", "mls", "MLS", "malingshu", "ma ling shu", "植保", "田间"])
def test_search_finds_potato_course(world, courses, query):
    assert _titles(world.accounts["member_a1"], query=query) == ["马铃薯晚疫病防治"]


@pytest.mark.parametrize("query", ["小麦", "xm", "100%", "_"])
def test_search_misses(world, courses, query):
    assert _titles(world.accounts["member_a1"], query=query) == []


def test_category_filter(world, courses):
    member = world.accounts["member_a1"]
    assert _titles(member, category="policy") == ["乡村振兴政策解读"]
    assert _titles(member, category="agri_tech") == ["马铃薯晚疫病防治"]
    assert _titles(member, category="no-such-code") == []


def test_pagination(world):
    for number in range(25):
        create_course(world.county, f"课程{number:02d}", publish_to=[world.township_a])
    member = world.accounts["member_a1"]
    first = queries.list_courses_for(member, page=1)
    second = queries.list_courses_for(member, page=2)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (25, 2, 20, 5)
    assert not {c.id for c in first.items} & {c.id for c in second.items}


def test_managed_courses_follow_owner_scope(world):
    county_course = create_course(world.county, "县课程")
    a_course = create_course(world.township_a, "甲镇课程")
    create_course(world.township_b, "乙镇课程", publish_to=[world.township_b])
    organiser_a = world.accounts["organiser_a"]
    assert [c.title for c in queries.list_managed_courses_for(organiser_a).items] == ["甲镇课程"]
    assert len(queries.list_managed_courses_for(world.accounts["trainer"]).items) == 3
    assert queries.count_managed_courses_by_status(world.accounts["trainer"]) == {"draft": 2, "published": 1}
    assert queries.get_managed_course_or_404(organiser_a, a_course.id) is a_course
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        queries.get_managed_course_or_404(organiser_a, county_course.id)


def test_ancestor_unit_ids():
    assert queries.ancestor_unit_ids("/1/4/17/") == [1, 4, 17]
