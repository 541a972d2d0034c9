"""Development files grow from study and quiz events: one entry per event, in the event's transaction."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from app.core.model_base import utcnow
from app.extensions import db
from app.quiz import services as quiz_services
from app.records import integrity, services, tasks
from app.records.models import DevelopmentEntry, EntryKind
from app.records.queries import hours_in_year
from app.study.credit import grant_self_study
from app.study.progress.models import CreditGrant
from app.study.sessions.models import AttendanceStatus, MakeUp, MakeUpStatus
from app.study.signals import lesson_completed
from tests.conftest import login
from tests.factories import bank_questions, create_bank, create_course, create_quiz
from tests.unit.records.records_data import closed_session, complete_course, entries_of


def test_course_completion_appends_one_completion_and_one_credit_entry(world):
    course = create_course(world.township_a, "庭院经济", lessons=2, credit_hours="3")
    complete_course(world.person_a1, course)
    complete_course(world.person_a1, course)  # again: nothing new is recorded
    kinds = [entry.kind for entry in entries_of(world.person_a1)]
    assert kinds.count(EntryKind.COURSE_COMPLETED) == 1 and kinds.count(EntryKind.CREDIT) == 1
    done = entries_of(world.person_a1, EntryKind.COURSE_COMPLETED)[0]
    assert (done.course_id, done.title, done.source) == (course.id, "庭院经济", "self_study")
    credit = entries_of(world.person_a1, EntryKind.CREDIT)[0]
    assert credit.hours == Decimal("3.000") and credit.course_id == course.id


def test_a_growing_self_study_grant_is_settled_later_appending_only_the_increase(world):
    course = create_course(world.township_a, lessons=1)
    lesson = course.lessons[0]
    today = date.today()
    grant_self_study(world.person_a1.id, lesson.id, course.id, today, 1800, utcnow())
    grant_self_study(world.person_a1.id, lesson.id, course.id, today, 2700, utcnow())
    # Heartbeats only mark the grant; the file is appended to when the growth is settled.
    assert entries_of(world.person_a1, EntryKind.CREDIT) == []
    assert services.settle_self_study() == 1
    assert services.settle_self_study() == 0  # nothing waits any more
    grant_self_study(world.person_a1.id, lesson.id, course.id, today, 3600, utcnow())
    grant_self_study(world.person_a1.id, lesson.id, course.id, today, 3600, utcnow())  # no growth
    assert services.settle_self_study(person_ids=[world.person_b1.id]) == 0  # someone else's only
    assert services.settle_self_study(person_ids=[world.person_a1.id]) == 1
    credits = entries_of(world.person_a1, EntryKind.CREDIT)
    assert [entry.hours for entry in credits] == [Decimal("0.750"), Decimal("0.250")]
    grant = db.session.scalar(select(CreditGrant))
    assert sum(entry.hours for entry in credits) == grant.hours and grant.ledger_pending is False


def test_reading_a_file_writes_nothing_until_the_job_settles(world, client, app):

    course = create_course(world.township_a, "庭院种植", lessons=1)
    grant_self_study(world.person_a1.id, course.lessons[0].id, course.id, date.today(), 900, utcnow())
    login(client, "org-a")
    for path in (f"/records/people/{world.person_a1.id}", f"/records/people/{world.person_a1.id}/print",
                 f"/records/units/{world.township_a.id}", f"/records/units/{world.township_a.id}/print"):
        assert client.get(path).status_code == 200
    assert entries_of(world.person_a1, EntryKind.CREDIT) == []  # reads do not write
    assert db.session.scalar(select(CreditGrant.ledger_pending)) is True
    app.config["JOBS_EAGER"] = False  # as in a real consumer (periodic tasks run only there)
    try:
        tasks.settle_self_study.call_local()
    finally:
        app.config["JOBS_EAGER"] = True
    db.session.expire_all()
    assert [entry.hours for entry in entries_of(world.person_a1, EntryKind.CREDIT)] == [Decimal("0.250")]


@pytest.mark.parametrize("export", ["export.csv", "export.xlsx"])
def test_an_export_settles_the_units_waiting_hours_first(world, client, export):

    course = create_course(world.township_a, "庭院种植", lessons=1)
    grant_self_study(world.person_a1.id, course.lessons[0].id, course.id, date.today(), 900, utcnow())
    grant_self_study(world.person_b1.id, course.lessons[0].id, course.id, date.today(), 900, utcnow())
    login(client, "org-a")
    with client.get(f"/records/units/{world.township_a.id}/{export}") as response:
        assert response.status_code == 200
        body = response.get_data()
    db.session.expire_all()
    assert [entry.hours for entry in entries_of(world.person_a1, EntryKind.CREDIT)] == [Decimal("0.250")]
    assert entries_of(world.person_b1, EntryKind.CREDIT) == []  # another township's file waits for the job
    if export == "export.csv":
        assert "0.25" in body.decode("utf-8-sig")


def test_closing_a_session_appends_each_attendees_final_status_and_make_ups_once(world, app):
    session, people = closed_session(world)
    statuses = {entry.person_id: entry.status for entry in
                db.session.scalars(select(DevelopmentEntry).where(
                    DevelopmentEntry.kind == EntryKind.SESSION_ATTENDANCE))}
    assert statuses == {people[0].id: "present", people[1].id: "late", people[2].id: "absent",
                        people[3].id: "absent"}
    for row in session.lesson_rows:
        lesson_completed.send(app, person_id=people[2].id, lesson_id=row.lesson_id, course_id=session.course_id,
                              source="self_study", at=utcnow())
    assert db.session.scalar(select(MakeUp.status).where(MakeUp.person_id == people[2].id)) == MakeUpStatus.DONE
    made_up = entries_of(people[2], EntryKind.MAKEUP_DONE)
    assert len(made_up) == 1 and made_up[0].session_id == session.id and made_up[0].status == AttendanceStatus.MADE_UP
    credit = entries_of(people[2], EntryKind.CREDIT)
    # The make-up's hours are filed under the session's name: a file lists what every hour was for.
    assert [(entry.session_id, entry.title, entry.source) for entry in credit] == [(session.id, session.title, "makeup")]
    lesson_completed.send(app, person_id=people[2].id, lesson_id=session.lesson_rows[0].lesson_id,
                          course_id=session.course_id, source="self_study", at=utcnow())
    assert len(entries_of(people[2], EntryKind.MAKEUP_DONE)) == 1
    assert entries_of(people[3], EntryKind.MAKEUP_DONE) == []


def test_a_passed_quiz_appends_its_score_and_a_failed_one_nothing(world):
    course = create_course(world.township_a, lessons=1)
    bank = create_bank(world.county)
    quiz = create_quiz(course, questions=[bank_questions(bank)[0]], pass_mark=60, max_attempts=3)
    member = world.accounts["member_a1"]
    failed = quiz_services.start_attempt(quiz, world.person_a1, account=member)
    quiz_services.submit_attempt(failed, member, {1: 1})
    assert failed.passed is False and entries_of(world.person_a1, EntryKind.QUIZ_PASSED) == []
    passed = quiz_services.start_attempt(quiz, world.person_a1, account=member)
    quiz_services.submit_attempt(passed, member, {1: 0})
    entries = entries_of(world.person_a1, EntryKind.QUIZ_PASSED)
    assert len(entries) == 1 and entries[0].attempt_id == passed.id and entries[0].score == 100.0


def test_an_essay_graded_to_a_pass_appends_one_quiz_entry_and_completes_the_course(world):
    from app.study.progress.models import CourseCompletion

    course = create_course(world.township_a, "病虫害问答", lessons=0)
    bank = create_bank(world.county, gift="::e:: 谈谈晚疫病的防治。 {}\n\n::s:: 1+1=? {=2}\n")
    quiz = create_quiz(course, questions=bank_questions(bank), pass_mark=50)
    member, trainer = world.accounts["member_a1"], world.accounts["trainer"]
    attempt = quiz_services.start_attempt(quiz, world.person_a1, account=member)
    quiz_services.submit_attempt(attempt, member, {1: "要轮作。", 2: "3"})
    assert attempt.passed is None and entries_of(world.person_a1, EntryKind.QUIZ_PASSED) == []
    quiz_services.grade_essay(attempt.questions[0], score=0.5, grader=trainer)  # 0.5 of 2: not yet a pass
    assert attempt.passed is False and entries_of(world.person_a1, EntryKind.QUIZ_PASSED) == []
    quiz_services.grade_essay(attempt.questions[0], score=1, grader=trainer)
    quiz_services.grade_essay(attempt.questions[0], score=1, grader=trainer)  # graded again: nothing new
    entries = entries_of(world.person_a1, EntryKind.QUIZ_PASSED)
    assert len(entries) == 1 and entries[0].attempt_id == attempt.id and entries[0].score == 50.0
    assert db.session.scalar(select(func.count()).select_from(CourseCompletion).where(
        CourseCompletion.person_id == world.person_a1.id, CourseCompletion.course_id == course.id)) == 1
    assert len(entries_of(world.person_a1, EntryKind.COURSE_COMPLETED)) == 1


def test_a_rolled_back_event_leaves_no_entry(world):
    course = create_course(world.township_a, lessons=1)
    db.session.commit()
    complete_course(world.person_a1, course)
    assert entries_of(world.person_a1)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(DevelopmentEntry)) == 0


def test_entries_chain_per_person_and_verify_passes(world):
    course = create_course(world.township_a, lessons=1, credit_hours="2")
    complete_course(world.person_a1, course)
    services.add_appraisal(world.person_a1, year=2026, by=world.accounts["organiser_a"], grade="excellent",
                           review="民主评议：好")
    services.set_stage(world.person_a1, stage="reserve_cadre", by=world.accounts["organiser_a"])
    entries = entries_of(world.person_a1)
    assert [entry.sequence for entry in entries] == [1, 2, 3, 4]
    assert entries[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:]))
    db.session.commit()
    report = integrity.verify_chains()
    assert report.checked == 4 and report.problems == [] and report.ok


def _tamper(sql: str, **params) -> None:
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)
    db.session.expire_all()


def test_verify_names_an_entry_changed_with_sql(world, app):
    course = create_course(world.township_a, lessons=1, credit_hours="2")
    complete_course(world.person_a1, course)
    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    credit = entries_of(world.person_a1, EntryKind.CREDIT)[0]
    _tamper("UPDATE development_entry SET hours = 20 WHERE id = :id", id=credit.id)
    problems = integrity.verify_chains().problems
    assert [(p.person_id, p.entry_id) for p in problems] == [(world.person_a1.id, credit.id)]
    assert "hash" in problems[0].problem
    result = app.test_cli_runner().invoke(args=["records", "verify"])
    assert result.exit_code == 1
    assert f"entry {credit.id}" in result.output and "张甲一" in result.output
    # Township B's files are intact: verifying only that subtree passes.
    result = app.test_cli_runner().invoke(args=["records", "verify", "--unit", "TB"])
    assert result.exit_code == 0, result.output


def test_verify_catches_a_deleted_entry_and_a_rewritten_hash(world, app):
    course = create_course(world.township_a, lessons=1, credit_hours="2")
    complete_course(world.person_a1, course)
    services.set_stage(world.person_a1, stage="activist", by=world.accounts["organiser_a"])
    first, second, third = entries_of(world.person_a1)
    _tamper("UPDATE development_entry SET note = 'x', hash = :fake WHERE id = :id", fake="0" * 64, id=second.id)
    problems = integrity.verify_chains().problems
    assert problems[0].entry_id == second.id
    _tamper("DELETE FROM development_entry WHERE id = :id", id=second.id)
    problems = integrity.verify_chains().problems
    assert problems[0].entry_id == third.id and "missing" in problems[0].problem


def test_a_correction_is_a_new_entry_with_who_and_why(world):
    course = create_course(world.township_a, lessons=1, credit_hours="2")
    complete_course(world.person_a1, course)
    credit = entries_of(world.person_a1, EntryKind.CREDIT)[0]
    organiser = world.accounts["organiser_a"]
    with pytest.raises(services.RecordsError):
        services.correct_entry(credit, by=organiser, reason=" ", hours=Decimal("1.5"))
    correction = services.correct_entry(credit, by=organiser, reason="学时登记有误", hours=Decimal("1.5"))
    assert correction.corrects_id == credit.id and correction.recorded_by_id == organiser.id
    assert correction.hours == Decimal("-0.500") and "学时登记有误" in correction.note
    assert credit.hours == Decimal("2.000")  # the original stays as it was
    assert hours_in_year(world.person_a1.id, credit.year) == Decimal("1.50")
    again = services.correct_entry(credit, by=organiser, reason="复核后恢复", hours=Decimal("2"))
    assert again.hours == Decimal("0.500") and services.effective_hours(credit) == Decimal("2.000")
    db.session.commit()
    assert integrity.verify_chains().problems == []


def test_appraisal_needs_a_grade_or_review(world):
    with pytest.raises(services.RecordsError):
        services.add_appraisal(world.person_a1, year=2026, by=world.accounts["organiser_a"])
    entry = services.add_appraisal(world.person_a1, year=2025, by=world.accounts["organiser_a"], grade="competent")
    assert (entry.kind, entry.year, entry.status) == ("appraisal", 2025, "competent")
