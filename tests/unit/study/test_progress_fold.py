"""Progress stored first and folded later (app.study.progress.fold_pending, app.study.ingest):
the same results as merging each batch at once, nothing folded twice, a bad batch set aside."""
import time
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.org.choices import Role
from app.study import ingest, progress, signals
from app.study.models import (CourseCompletion, CreditGrant, LessonCompletion, LessonProgress, ProgressEvent,
                              StudyDay)
from tests.conftest import login
from tests.factories import create_account, create_person
from tests.unit.study.study_data import T0, as_loaded, event, playback, video_course

NOW = T0 + timedelta(days=2)


def _scenario(lesson_id: int) -> list[list[dict]]:
    """One learner's batches as they arrive: gaps, a batch replayed late from a queue, a re-sent
    batch with a re-watch, a stretch longer than could have played, the next day."""
    first = playback(lesson_id, 0, 90)  # shorter than the minimum continuous run
    second = playback(lesson_id, 90, 300, begin_at=T0 + timedelta(seconds=90))
    later = playback(lesson_id, 400, 500, begin_at=T0 + timedelta(minutes=20))
    middle = playback(lesson_id, 300, 400, begin_at=T0 + timedelta(minutes=10))  # arrives after `later`
    rewatch = first[:3] + playback(lesson_id, 0, 60, begin_at=T0 + timedelta(minutes=30))
    jump = [event(lesson_id, 0, 600, T0 + timedelta(minutes=31))]
    next_day = playback(lesson_id, 500, 600, begin_at=T0 + timedelta(days=1))
    return [first, second, later, middle, rewatch, jump, next_day]


def _outcome(person, course) -> dict:
    lesson_ids = [lesson.id for lesson in course.lessons]
    progress_rows = db.session.scalars(select(LessonProgress).where(LessonProgress.person_id == person.id)
                                       .order_by(LessonProgress.lesson_id))
    days = db.session.scalars(select(StudyDay).where(StudyDay.person_id == person.id)
                              .order_by(StudyDay.lesson_id, StudyDay.day))
    grants = db.session.scalars(select(CreditGrant).where(CreditGrant.person_id == person.id)
                                .order_by(CreditGrant.source, CreditGrant.lesson_id, CreditGrant.day))
    lessons_done = db.session.scalars(select(LessonCompletion).where(LessonCompletion.person_id == person.id)
                                      .order_by(LessonCompletion.lesson_id))
    courses_done = db.session.scalars(select(CourseCompletion).where(CourseCompletion.person_id == person.id))
    return {
        "progress": [(lesson_ids.index(row.lesson_id), row.intervals, row.watched_seconds, row.resume_position,
                      row.self_study_seconds, row.last_event_at, row.completed_at) for row in progress_rows],
        "days": [(lesson_ids.index(row.lesson_id), row.day, row.intervals, row.credited_seconds) for row in days],
        "grants": [(row.source, row.hours, row.day, row.granted_at, row.year) for row in grants],
        "lessons_done": [(lesson_ids.index(row.lesson_id), row.source, row.completed_at) for row in lessons_done],
        "courses_done": [(row.source, row.completed_at) for row in courses_done],
    }


def _second_member(world):
    person = create_person(world.branch_a1, "第二学员")
    account = create_account("member-a1-second", Role.MEMBER, world.branch_a1, person=person)
    db.session.commit()
    return person, account


def test_folding_later_gives_what_merging_each_batch_at_once_gives(world):
    course = video_course(world, duration=600, lessons=2)
    other, other_account = _second_member(world)
    at_once = [], []
    for lesson in course.lessons:
        for number, batch in enumerate(_scenario(lesson.id)):
            result = progress.record_events(world.accounts["member_a1"], as_loaded(batch),
                                            now=NOW + timedelta(seconds=number))
            db.session.commit()
            at_once[0].append(result.accepted)
            at_once[1].append(result.duplicates)
    stored = [], []
    for lesson in course.lessons:
        for number, batch in enumerate(_scenario(lesson.id)):
            prepared = progress.prepare_batch(other_account, as_loaded(batch), now=NOW + timedelta(seconds=number))
            result = progress.write_batches([prepared], fold=False)[0]
            db.session.commit()
            stored[0].append(result.accepted)
            stored[1].append(result.duplicates)
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent).where(~ProgressEvent.folded)) > 0
    assert _outcome(other, course)["progress"] == []  # nothing merged until folding

    folded = progress.fold_pending()
    db.session.commit()

    assert stored == at_once
    assert folded == sum(stored[0])
    expected = _outcome(world.person_a1, course)
    assert expected["lessons_done"] and expected["courses_done"] and expected["grants"]  # the scenario shows them
    assert _outcome(other, course) == expected
    assert progress.fold_pending() == 0  # nothing is folded twice
    db.session.commit()
    assert _outcome(other, course) == expected


def test_fold_now_merges_events_a_stopped_writer_left(app, world, client):
    lesson = video_course(world, duration=600).lessons[0]
    member = world.accounts["member_a1"]
    progress.write_batches([progress.prepare_batch(member, as_loaded(playback(lesson.id, 0, 150)), now=NOW)],
                           fold=False)
    db.session.commit()
    ingest.fold_now()
    db.session.expire_all()
    assert progress.get_progress(world.person_a1.id, lesson)["watched_seconds"] == 150.0


def test_a_read_folds_what_was_stored_before_it(world, client):
    lesson = video_course(world, duration=600).lessons[0]
    member = world.accounts["member_a1"]
    progress.write_batches([progress.prepare_batch(member, as_loaded(playback(lesson.id, 0, 120)), now=NOW)],
                           fold=False)
    db.session.commit()
    login(client, "member-a1")
    answer = client.get(f"/study/progress?lesson_id={lesson.id}")
    assert answer.status_code == 200
    assert answer.get_json()["watched_seconds"] == 120.0


def test_a_batch_that_cannot_be_folded_is_set_aside_and_the_others_count(world, caplog):
    lesson = video_course(world, duration=120).lessons[0]
    other, other_account = _second_member(world)
    for account in (world.accounts["member_a1"], other_account):
        progress.write_batches([progress.prepare_batch(account, as_loaded(playback(lesson.id, 0, 120)), now=NOW)],
                               fold=False)
        db.session.commit()

    def refuse_first_member(sender, person_id, **payload):
        if person_id == world.person_a1.id:
            raise RuntimeError("a subscriber failed")

    with signals.lesson_completed.connected_to(refuse_first_member):
        ingest.fold_committed()
    db.session.expire_all()
    assert progress.get_progress(other.id, lesson) == {"watched_seconds": 120.0, "resume_position": 0.0,
                                                       "complete": True}
    assert progress.get_progress(world.person_a1.id, lesson)["watched_seconds"] == 0.0
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent).where(~ProgressEvent.folded)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent)
                             .where(ProgressEvent.person_id == world.person_a1.id)) == 8  # kept, for audit
    assert "set aside" in caplog.text


def test_the_writer_folds_by_itself_soon_after_answering(app, world, client):
    from app.api.services import create_token

    lesson = video_course(world, duration=600).lessons[0]
    token = create_token(world.accounts["member_a1"], "phone")[1]
    db.session.commit()
    answer = client.post("/api/v1/progress", json={"events": playback(lesson.id, 0, 60, begin_at=NOW)},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.get_json() == {"accepted": 4, "duplicates": 0}
    deadline = time.monotonic() + 10
    watched = None
    while time.monotonic() < deadline:
        db.session.rollback()
        watched = db.session.scalar(select(LessonProgress.watched_seconds)
                                    .where(LessonProgress.person_id == world.person_a1.id))
        if watched is not None:
            break
        time.sleep(0.05)
    assert watched == 60.0
