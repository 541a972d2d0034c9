"""Organisers' session pages: scheduling in scope, sheet and marks with recorder, leave flow, make-up page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.model_base import utcnow
from app.extensions import db
from app.study.sessions import services as services
from app.study.sessions.models import LeaveRequest, StudySession
from app.core.localtime import local_day_bounds, local_zone
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import create_course
from tests.unit.study.test_sessions import build_session


def _local(moment):
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def test_secretary_schedules_for_own_branch_only(client, world):
    course = create_course(world.township_a, "马铃薯晚疫病防治", publish_to=[world.township_a])
    db.session.commit()
    login(client, "sec-a1")
    page = client.get("/sessions/new").get_data(as_text=True)
    assert world.site_a1.name in page and world.site_b1.name not in page
    start = utcnow() + timedelta(days=1)
    data = {"csrf_token": csrf_from(page), "site_id": world.site_b1.id, "course_id": course.id, "title": "",
            "starts_at": _local(start), "planned_end_at": _local(start + timedelta(hours=1))}
    assert client.post("/sessions/new", data=data).status_code == 200  # not a choice: form error
    data["site_id"] = world.site_a1.id
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 302
    session = db.session.scalar(select(StudySession))
    assert session.title == "马铃薯晚疫病防治" and abs(session.starts_at.replace(tzinfo=None)
                                                       - start.replace(tzinfo=None, second=0, microsecond=0)) < timedelta(seconds=1)


def test_a_past_session_is_entered_afterwards_with_a_reason_and_marked_so(client, world):
    from app.records.models import DevelopmentEntry
    from app.study.sessions.models import AttendanceStatus

    course = create_course(world.township_a, "马铃薯晚疫病防治", publish_to=[world.township_a])
    db.session.commit()
    login(client, "sec-a1")
    page = client.get("/sessions/new").get_data(as_text=True)
    start = utcnow() - timedelta(days=2)
    data = {"csrf_token": csrf_from(page), "site_id": world.site_a1.id, "course_id": course.id, "title": "停电那晚",
            "starts_at": _local(start), "planned_end_at": _local(start + timedelta(hours=1))}
    refused = client.post("/sessions/new", data=data).get_data(as_text=True)
    assert "事后补录" in refused and db.session.scalar(select(StudySession)) is None  # no reason: nothing stored
    data["starts_at"], data["planned_end_at"] = _local(start - timedelta(days=30)), _local(start - timedelta(days=30, hours=-1))
    data["late_entry_reason"] = "当晚断网，据签到表补录"
    assert "7 天" in client.post("/sessions/new", data=data).get_data(as_text=True)  # too far back
    assert db.session.scalar(select(StudySession)) is None
    data["starts_at"], data["planned_end_at"] = _local(start), _local(start + timedelta(hours=1))
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 302
    session = db.session.scalar(select(StudySession))
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "事后补录" in detail and "当晚断网，据签到表补录" in detail
    assert "事后补录" in client.get("/sessions").get_data(as_text=True)
    services.record_sheet_marks(session, {world.person_a1.id: AttendanceStatus.PRESENT},
                                by=world.accounts["secretary_a1"])
    services.close_session(session, by=world.accounts["secretary_a1"])
    db.session.commit()
    entry = db.session.scalar(select(DevelopmentEntry).where(DevelopmentEntry.person_id == world.person_a1.id,
                                                             DevelopmentEntry.session_id == session.id,
                                                             DevelopmentEntry.kind == "session_attendance"))
    assert "当晚断网，据签到表补录" in entry.note


@pytest.mark.parametrize("username, status", [(None, 302), ("member-a1", 403), ("tv-a1", 403), ("org-b", 404),
                                              ("org-a", 200), ("sec-a1", 200), ("admin", 200)])
def test_session_detail_access_matrix(client, world, username, status):
    session, _ = build_session(world)
    if username:
        login(client, username)
    assert client.get(f"/sessions/{session.id}").status_code == status
    assert client.get(f"/sessions/{session.id}/sheet").status_code == status


def test_sheet_and_marks_record_the_recorder(client, world):
    session, people = build_session(world)
    login(client, "sec-a1")
    sheet = client.get(f"/sessions/{session.id}/sheet").get_data(as_text=True)
    assert all(person.name in sheet for person in people) and "sign-in-sheet" in sheet
    page = client.get(f"/sessions/{session.id}/marks").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), f"mark-{people[0].id}": "present", f"mark-{people[1].id}": "late",
            f"mark-{people[2].id}": "absent", "then": "close"}
    assert client.post(f"/sessions/{session.id}/marks", data=data).status_code == 302
    db.session.expire_all()
    row = services.get_attendance(session, people[1].id)
    assert (row.status, row.source, row.recorded_by_id) == ("late", "sheet", world.accounts["secretary_a1"].id)
    assert session.is_closed
    detail = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "sec-a1" in detail


def test_member_files_leave_secretary_approves_absent_sees_make_up(client, world):
    session, people = build_session(world, starts_in=timedelta(hours=2))
    login(client, "member-a1")
    mine = client.get("/sessions/mine").get_data(as_text=True)
    assert session.title in mine and f"/sessions/{session.id}/leave" in mine
    page = client.get(f"/sessions/{session.id}/leave").get_data(as_text=True)
    client.post(f"/sessions/{session.id}/leave", data={"csrf_token": csrf_from(page), "reason": "去县医院看病"})
    leave = db.session.scalar(select(LeaveRequest))
    assert leave.person_id == world.person_a1.id and leave.status == "pending"
    client.post("/logout", data={"csrf_token": csrf_from(mine)})
    login(client, "sec-a1")
    detail = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "去县医院看病" in detail
    client.post(f"/sessions/{session.id}/leave/{leave.id}/decide",
                data={"csrf_token": csrf_from(detail), "decision": "approve"})
    client.post(f"/sessions/{session.id}/close", data={"csrf_token": csrf_from(detail)})
    db.session.expire_all()
    assert services.get_attendance(session, world.person_a1.id).status == "on_leave"
    assert services.get_attendance(session, people[1].id).status == "absent"


def test_member_outside_list_cannot_file_leave(client, world):
    session, _ = build_session(world)
    login(client, "member-a1")
    other, _ = build_session(world, title="另一场")
    services.remove_expected(other, world.person_a1)
    db.session.commit()
    assert client.get(f"/sessions/{other.id}/leave").status_code == 404


def test_the_secretarys_home_shows_todays_session_and_open_make_ups(client, world):
    from tests.unit.study.test_sessions import build_session as schedule

    # A moment inside today's local day whatever the clock says (30 minutes ahead crosses local
    # midnight when the suite runs late in the evening, Beijing time).
    day_start, _ = local_day_bounds()
    today, _ = schedule(world, starts_in=day_start + timedelta(hours=12) - utcnow(), title="今晚学习")
    earlier, _ = schedule(world, starts_in=-timedelta(days=3), title="上周学习")
    services.open_session(earlier, by=world.accounts["secretary_a1"])
    services.close_session(earlier, by=world.accounts["secretary_a1"])  # everyone absent: make-ups
    db.session.commit()
    login(client, "sec-a1")
    home = client.get("/").get_data(as_text=True)
    panel = home.split('id="home-today-sessions"')[1].split("</section>")[0]
    assert "今晚学习" in panel and "上周学习" not in panel
    make_ups = home.split('id="home-open-make-ups"')[1].split("</section>")[0]
    assert world.person_a1.name in make_ups and "上周学习" in make_ups  # who, and what to study
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "org-b")  # another township's organiser sees neither
    other = client.get("/").get_data(as_text=True)
    assert "今晚学习" not in other and world.person_a1.name not in other
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "admin")  # the panel follows manage_sessions, not a role name: the county's admin too
    county = client.get("/").get_data(as_text=True)
    assert "今晚学习" in county.split('id="home-today-sessions"')[1].split("</section>")[0]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "trainer")  # a trainer sees people and courses but schedules no session
    trainer = client.get("/").get_data(as_text=True)
    assert 'id="my-courses-panel"' in trainer and 'id="home-today-sessions"' not in trainer
