"""The training-plan editor offers only the courses the plan's unit may require: those its
learners can study, and the editor's own courses; never another county's drafts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog.choices import CourseStatus
from app.extensions import db
from app.org.choices import UnitLevel
from app.records.models import TrainingPlan
from tests.conftest import csrf_from, login
from tests.factories import create_course, create_unit

OFFERED = ("全旗课程", "甲镇草稿", "甲镇已发布")
NOT_OFFERED = ("外旗草稿", "外旗课程", "乙镇草稿", "只发给乙镇", "甲镇已归档")


@pytest.fixture
def courses(world):
    other_county = create_unit("丙旗", UnitLevel.COUNTY, code="C9")
    made = {
        "全旗课程": create_course(world.county, "全旗课程", publish_to=[world.county]),
        "甲镇草稿": create_course(world.township_a, "甲镇草稿"),
        "甲镇已发布": create_course(world.township_a, "甲镇已发布", publish_to=[world.branch_a1]),
        "外旗草稿": create_course(other_county, "外旗草稿"),
        "外旗课程": create_course(other_county, "外旗课程", publish_to=[other_county]),
        "乙镇草稿": create_course(world.township_b, "乙镇草稿"),
        "只发给乙镇": create_course(world.county, "只发给乙镇", publish_to=[world.township_b]),
        "甲镇已归档": create_course(world.township_a, "甲镇已归档"),
    }
    made["甲镇已归档"].status = CourseStatus.ARCHIVED.value
    db.session.commit()
    return made


def test_plan_editor_lists_only_courses_the_unit_may_require(client, world, courses):
    login(client, "org-a")
    page = client.get(f"/records/units/{world.township_a.id}/plan?year=2026").get_data(as_text=True)
    assert [title for title in OFFERED if title not in page] == []
    assert [title for title in NOT_OFFERED if title in page] == []


def test_a_course_outside_the_list_cannot_be_required(client, world, courses):
    login(client, "org-a")
    url = f"/records/units/{world.township_a.id}/plan?year=2026"
    token = csrf_from(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "year": "2026", "member_hours": "40", "cadre_hours": "60", "other_hours": "0",
            "deadline": "2026-11-30"}
    refused = client.post(url, data={**form, "course_ids": [str(courses["外旗草稿"].id)]})
    assert refused.status_code == 200 and db.session.scalar(select(TrainingPlan)) is None
    saved = client.post(url, data={**form, "course_ids": [str(courses["全旗课程"].id), str(courses["甲镇草稿"].id)]})
    assert saved.status_code == 302
    plan = db.session.scalar(select(TrainingPlan))
    assert sorted(plan.course_ids) == sorted([courses["全旗课程"].id, courses["甲镇草稿"].id])


def test_a_branch_plan_offers_what_the_branch_studies(client, world, courses):
    """A branch secretary's plan: the county's course and the township's course published to the
    branch, not the township's draft (outside a branch secretary's scope)."""
    login(client, "sec-a1")
    page = client.get(f"/records/units/{world.branch_a1.id}/plan?year=2026").get_data(as_text=True)
    assert "全旗课程" in page and "甲镇已发布" in page
    assert [title for title in ("甲镇草稿", *NOT_OFFERED) if title in page] == []
