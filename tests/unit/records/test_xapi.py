"""xAPI a county can merge: every kind of statement passes two independent validators (Ralph's
models and TinCanPython), is delivered over HTTP Basic to a real LRS (Ralph's, started here) and
stored as sent; people are named the same by every installation that shares the county's key;
a statement the LRS refuses is set aside with its reason without holding back the rest; entries
made before the feed was configured are sent by `lms records feed backfill`."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import tincan
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import select

from app.core.model_base import utcnow
from app.extensions import db
from app.org.models import Person
from app.quiz import services as quiz_services
from app.records import outbox, services
from app.records.models import DevelopmentEntry, EntryKind, OutboxStatement
from app.records.xapi import actor_name, iso_duration, statement_for, vocabulary
from app.study.sessions import services as session_services
from app.study.sessions.models import AttendanceSource
from tests.conftest import login
from tests.factories import bank_questions, create_bank, create_course, create_person, create_quiz
from tests.lrs import PASSWORD, USER, RalphLRS
from tests.unit.records.records_data import complete_course, entries_of

BASE = "https://xapi.township-a.example/lms/"
HOME = "https://county.example/"
COUNTY_KEY = "county-wide-actor-key-0123456789abcdef"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    server = RalphLRS(tmp_path_factory.mktemp("ralph"))
    yield server
    server.close()


def _configure(app, *, url: str | None = None) -> None:
    app.config.update(XAPI_BASE_IRI=BASE, XAPI_ACTOR_HOMEPAGE=HOME, XAPI_ACTOR_KEY=COUNTY_KEY,
                      RECORDS_FEED_URL=url, RECORDS_FEED_USER=USER if url else None,
                      RECORDS_FEED_PASSWORD=PASSWORD if url else None)


def _every_kind(world) -> dict:
    """Entries of every kind: a course (completion and credit), a session with someone present,
    late, on leave and absent, a make-up, a passed quiz, an appraisal, a stage and a correction."""
    course = create_course(world.township_a, "庭院经济", lessons=1, credit_hours="1.5")
    complete_course(world.person_a1, course)
    present, late, excused, absent = [world.person_a1] + [create_person(world.branch_a1, name)
                                                          for name in ("王迟到", "赵请假", "钱缺席")]
    session_course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=1, publish_to=[world.township_a])
    secretary = world.accounts["secretary_a1"]
    start = utcnow() + timedelta(minutes=5)
    session = session_services.schedule_session(by=secretary, site=world.site_a1, title="马铃薯晚疫病防治",
                                                starts_at=start, planned_end_at=start + timedelta(hours=1),
                                                course=session_course)
    leave = session_services.file_leave(session, excused, "外出务工", by=secretary)
    session_services.decide_leave(leave, approve=True, by=secretary)
    session_services.open_session(session, by=secretary)
    session_services.sign_in(session, present.id, source=AttendanceSource.TICK, by=secretary)
    session_services.sign_in(session, late.id, source=AttendanceSource.TICK, by=secretary,
                             now=session.starts_at + timedelta(minutes=20))
    session_services.close_session(session, by=secretary)
    complete_course(absent, session_course)  # the absentee's make-up
    quiz_course = create_course(world.township_a, "政策测验", lessons=1)
    quiz = create_quiz(quiz_course, questions=[bank_questions(create_bank(world.county))[0]], pass_mark=60)
    member = world.accounts["member_a1"]
    attempt = quiz_services.start_attempt(quiz, world.person_a1, account=member)
    quiz_services.submit_attempt(attempt, member, {1: 0})
    organiser = world.accounts["organiser_a"]
    services.add_appraisal(world.person_a1, year=2025, by=organiser, grade="excellent", review="群众评价好")
    services.set_stage(late, stage="activist", by=organiser)
    credit = entries_of(world.person_a1, EntryKind.CREDIT)[0]
    services.correct_entry(credit, by=organiser, reason="课时登记有误", hours=Decimal("1"))
    db.session.commit()
    return {"session": session, "quiz": quiz, "present": present, "late": late, "excused": excused,
            "absent": absent}


def _all_entries() -> list[DevelopmentEntry]:
    return db.session.scalars(select(DevelopmentEntry).order_by(DevelopmentEntry.id)).all()


def _by_status(statements: list[dict], words, status: str) -> list[dict]:
    key = words.extension("status")
    return [statement for statement in statements if statement["result"].get("extensions", {}).get(key) == status]


def test_every_kind_of_statement_passes_two_independent_validators_and_says_what_happened(app, world):
    _configure(app)
    made = _every_kind(world)
    words = vocabulary()
    entries = _all_entries()
    assert {entry.kind for entry in entries} == {kind.value for kind in EntryKind}
    statements = [statement_for(entry) for entry in entries]
    for statement in statements:
        BaseXapiStatement(**json.loads(json.dumps(statement)))  # Ralph's model of xAPI 1.0.3: raises on anything invalid
        assert tincan.Statement(json.loads(json.dumps(statement))).to_json()  # TinCanPython parses every part
        assert CJK.search(statement["object"]["definition"]["name"]["zh-CN"]), statement
        assert CJK.search(statement["verb"]["display"]["zh-CN"]), statement
        assert statement["object"]["id"].startswith(BASE) and statement["actor"]["account"]["homePage"] == HOME
    verbs = {statement["verb"]["id"] for statement in statements}
    assert "http://adlnet.gov/expapi/verbs/completed" in verbs and "http://adlnet.gov/expapi/verbs/passed" in verbs

    # Attendance: attended for those present (late included), absent and excused said as such.
    verb_of = {status: [s["verb"]["id"] for s in _by_status(statements, words, status)]
               for status in ("present", "late", "on_leave", "absent")}
    assert verb_of["present"] == verb_of["late"] == ["http://adlnet.gov/expapi/verbs/attended"]
    assert verb_of["on_leave"] == [words.verb("was-excused")]
    assert verb_of["absent"] == [words.verb("was-absent")]
    absent_statement = _by_status(statements, words, "absent")[0]
    assert absent_statement["result"]["response"] == "缺席"
    assert absent_statement["object"]["id"] == f"{BASE}sessions/{made['session'].id}"

    # The quiz is its own activity, with the course as its parent and the quiz's name.
    quiz_statement = next(s for s in statements if s["verb"]["id"].endswith("/passed"))
    assert quiz_statement["object"]["id"] == f"{BASE}quizzes/{made['quiz'].id}"
    assert quiz_statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    assert quiz_statement["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}courses/{made['quiz'].course_id}"
    assert quiz_statement["result"]["success"] is True and quiz_statement["result"]["score"]["scaled"] == 1.0

    # Credit hours as an ISO 8601 duration; the appraisal's year in its context.
    credit = next(s for s in statements if s["verb"]["id"] == words.verb("earned-credit-hours")
                  and s["object"]["id"].startswith(f"{BASE}courses/"))
    assert credit["result"]["duration"] == "PT1H30M"
    appraisal = next(s for s in statements if s["verb"]["id"] == words.verb("was-appraised"))
    assert appraisal["context"]["extensions"][words.extension("appraisal-year")] == 2025
    assert appraisal["result"]["response"] == "优秀"

    # The ID number never leaves the machine.
    body = json.dumps(statements, ensure_ascii=False)
    for person in db.session.scalars(select(Person)):
        assert person.id_number not in body


def test_iso_durations():
    assert [iso_duration(value) for value in ("1.5", "0.25", "2", "0", "0.001")] == \
        ["PT1H30M", "PT15M", "PT2H", "PT0S", "PT4S"]


def test_two_installations_with_the_county_key_name_a_person_the_same(app, make_app, world, tmp_path):
    _configure(app)
    complete_course(world.person_a1, create_course(world.township_a, lessons=1))
    db.session.commit()
    entry = entries_of(world.person_a1)[0]
    here = statement_for(entry)
    # The other township's installation: its own instance folder, base IRI and database ids.
    other = make_app(INSTANCE_PATH=str(tmp_path / "other-instance"), XAPI_BASE_IRI="https://township-b.example/x/",
                     XAPI_ACTOR_HOMEPAGE=HOME, XAPI_ACTOR_KEY=COUNTY_KEY)
    twin = Person(id=entry.person_id + 1000, name=world.person_a1.name, id_number=world.person_a1.id_number.lower(),
                  unit_id=world.person_a1.unit_id)
    copy = DevelopmentEntry(uid="0d9e1c5e-4b0e-4a39-9f51-7a1f1e0c2a11", person=twin, person_id=twin.id,
                            sequence=1, unit_id=entry.unit_id, year=entry.year, kind=entry.kind,
                            occurred_at=entry.occurred_at, course_id=entry.course_id + 7, title=entry.title,
                            hours=entry.hours, status="", note="", prev_hash="", hash="0" * 64)
    there = statement_for(copy, vocabulary(other))
    assert there["actor"]["account"] == here["actor"]["account"]
    assert there["object"]["id"] != here["object"]["id"]  # each installation's own courses
    assert here["actor"]["account"]["name"] == actor_name(world.person_a1.id_number, COUNTY_KEY.encode())
    # Without the county's key each installation makes its own, and names differ.
    alone = make_app(INSTANCE_PATH=str(tmp_path / "alone-instance"))
    assert statement_for(entry, vocabulary(alone))["actor"]["account"]["name"] != here["actor"]["account"]["name"]
    assert not vocabulary(alone).actor_key_configured


def test_the_feed_delivers_every_kind_to_a_real_lrs_over_basic_auth(app, world, lrs):
    _configure(app, url=lrs.url)
    _every_kind(world)
    report = outbox.deliver_due()
    assert report.delivered == len(_all_entries()), outbox.backlog().last_error
    db.session.commit()
    stored = {statement["id"]: statement for statement in lrs.statements()}
    for entry in _all_entries():
        sent = statement_for(entry)
        assert entry.uid in stored
        for part in ("actor", "verb", "object", "result"):
            assert stored[entry.uid][part] == sent[part], part
        assert stored[entry.uid]["authority"]["mbox"] == "mailto:lrs@county.example"  # our Basic credentials

    # The answer to a delivery was lost and the statement is sent again: the LRS answers 409 and
    # holds the same statement, so it counts as delivered.
    row = db.session.scalars(select(OutboxStatement).order_by(OutboxStatement.id)).first()
    row.delivered_at = None
    db.session.commit()
    report = outbox.deliver_due()
    assert (report.delivered, report.refused) == (1, 0)


def test_a_statement_the_lrs_refuses_is_set_aside_with_its_reason_and_the_rest_go_on(app, world, lrs, client):
    _configure(app, url=lrs.url)
    course = create_course(world.township_a, "规模养殖", lessons=1)
    complete_course(world.person_a1, course)
    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    db.session.commit()
    rows = db.session.scalars(select(OutboxStatement).order_by(OutboxStatement.id)).all()
    assert len(rows) == 4  # a completion and a credit entry each
    # Someone else already stored another statement under the first one's id.
    squatter = json.loads(rows[0].body)
    squatter["verb"] = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}
    squatter.pop("result", None)
    assert lrs.post(squatter) == 200
    report = outbox.deliver_due()
    db.session.commit()
    assert (report.delivered, report.refused, report.failed) == (3, 1, 0)
    db.session.refresh(rows[0])
    assert rows[0].refused_at is not None and rows[0].last_error.startswith("HTTP 409")
    assert outbox.backlog().pending == 0 and outbox.backlog().refused == 1

    # The county organiser sees it on the feed page, in Chinese, without variable names.
    login(client, "county-org")
    page = client.get("/records/feed").get_data(as_text=True)
    assert rows[0].statement_id in page and "HTTP 409" in page and "被接收方拒收的记录" in page
    assert "用户名和密码" in page and USER in page and "LMS_" not in page and PASSWORD not in page
    assert "同一个人在全县各套系统中的标识相同" in page


def test_a_wrong_password_stops_the_round_instead_of_refusing_statements(app, world, lrs):
    _configure(app, url=lrs.url)
    app.config["RECORDS_FEED_PASSWORD"] = "not-the-password"
    complete_course(world.person_a1, create_course(world.township_a, lessons=1))
    db.session.commit()
    report = outbox.deliver_due()
    db.session.commit()
    assert (report.delivered, report.failed, report.refused) == (0, 1, 0)
    assert outbox.backlog().pending == 2 and "401" in outbox.backlog().last_error


def test_backfill_sends_the_entries_made_before_the_feed_was_configured(app, world, lrs):
    _configure(app)
    complete_course(world.person_a1, create_course(world.township_a, lessons=1, credit_hours="2"))
    services.add_appraisal(world.person_a1, year=2025, by=world.accounts["organiser_a"], grade="competent")
    db.session.commit()
    assert db.session.scalars(select(OutboxStatement)).all() == []
    _configure(app, url=lrs.url)
    runner = app.test_cli_runner()
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "Queued 0" in runner.invoke(args=["records", "feed", "backfill", "--since", tomorrow]).output
    result = runner.invoke(args=["records", "feed", "backfill"])
    assert result.exit_code == 0 and "Queued 3" in result.output, result.output
    assert "Queued 0" in runner.invoke(args=["records", "feed", "backfill"]).output  # nothing twice
    result = runner.invoke(args=["records", "deliver"])
    assert "3 delivered" in result.output, result.output
    stored = {statement["id"] for statement in lrs.statements()}
    assert {entry.uid for entry in _all_entries()} <= stored
