"""Progress service: unique watched seconds, resume position, idempotency, plausibility, who may report."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.study import signals
from app.study.progress import services as progress
from app.study.progress.models import LessonCompletion, LessonProgress, ProgressEvent
from tests.factories import create_course, create_lesson
from tests.unit.study.study_data import T0, as_loaded, learners_seen_since, event, playback, video_course


def _record(account, events, now=None):
    learners_seen_since(T0 - timedelta(minutes=1))
    result = progress.record_events(account, as_loaded(events), now=now or T0 + timedelta(hours=3))
    db.session.commit()
    return result


def _state(world, lesson, person=None):
    return progress.get_progress((person or world.person_a1).id, lesson)


@pytest.fixture
def lesson(world):
    return video_course(world, duration=600).lessons[0]


def test_continuous_playback_counts_its_seconds_and_sets_resume(world, lesson):
    result = _record(world.accounts["member_a1"], playback(lesson.id, 0, 300))
    assert (result.accepted, result.duplicates) == (20, 0)
    assert _state(world, lesson) == {"watched_seconds": 300.0, "resume_position": 300.0, "complete": False}


def test_rewatching_counts_once_and_seeking_ahead_is_a_gap(world, lesson):
    member = world.accounts["member_a1"]
    _record(member, playback(lesson.id, 0, 60))
    _record(member, playback(lesson.id, 0, 60, begin_at=T0 + timedelta(minutes=5)))
    _record(member, playback(lesson.id, 300, 360, begin_at=T0 + timedelta(minutes=10)))
    assert _state(world, lesson) == {"watched_seconds": 120.0, "resume_position": 360.0, "complete": False}


def test_a_repeated_event_id_is_ignored(world, lesson):
    member = world.accounts["member_a1"]
    events = playback(lesson.id, 0, 90)
    first = _record(member, events + events[:2])  # duplicates inside the batch too
    again = _record(member, events)
    assert (first.accepted, first.duplicates) == (6, 2)
    assert (again.accepted, again.duplicates) == (0, 6)
    assert _state(world, lesson)["watched_seconds"] == 90.0
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent)) == 6


def test_out_of_order_batches_give_the_same_total_and_keep_the_latest_resume(world, lesson):
    member = world.accounts["member_a1"]
    events = playback(lesson.id, 0, 240)
    _record(member, events[8:])  # the later half arrives first (replayed from a queue)
    _record(member, events[:8])
    assert _state(world, lesson) == {"watched_seconds": 240.0, "resume_position": 240.0, "complete": False}


def _record_live(account, events, now):
    """A batch as the server receives it at `now`, with no earlier contact assumed."""
    result = progress.record_events(account, as_loaded(events), now=now)
    db.session.commit()
    return result


def test_client_times_buy_no_time_only_the_servers_receive_times_do(world, lesson):
    member = world.accounts["member_a1"]
    # A fresh learner claims 600 s whose `at` values are spread over the past half hour.
    claimed = playback(lesson.id, 0, 600, begin_at=T0 - timedelta(minutes=30), step=3)
    _record_live(member, claimed, now=T0)
    first = _state(world, lesson)["watched_seconds"]
    assert first <= 30.0  # LMS_PROGRESS_FIRST_BATCH_SECONDS
    # Thirty more one-event batches received in the same instant add nothing.
    for number in range(30):
        _record_live(member, [event(lesson.id, 30 + number * 10, 40 + number * 10, T0)], now=T0)
    assert _state(world, lesson)["watched_seconds"] == first
    # Fifteen real seconds later, at most fifteen seconds more.
    _record_live(member, [event(lesson.id, 300, 400, T0 + timedelta(seconds=15))], now=T0 + timedelta(seconds=15))
    assert _state(world, lesson)["watched_seconds"] <= first + 15.0
    # One lone event cannot claim more than the longest heartbeat, whatever time passed.
    _record_live(member, [event(lesson.id, 0, 600, T0 + timedelta(hours=1))], now=T0 + timedelta(hours=1))
    assert _state(world, lesson)["watched_seconds"] <= first + 15.0 + 120.0


def test_parallel_batches_cannot_add_up_to_more_than_the_real_time(world, lesson):
    member = world.accounts["member_a1"]
    for number in range(30):
        _record_live(member, [event(lesson.id, number * 20, number * 20 + 20, T0 + timedelta(seconds=number))],
                     now=T0 + timedelta(milliseconds=number))
    assert _state(world, lesson)["watched_seconds"] <= 30.0 + 0.03


def test_offline_queue_replay_keeps_original_times_but_ancient_events_do_not_count(world, lesson):
    member = world.accounts["member_a1"]
    now = T0 + timedelta(days=3)
    _record(member, playback(lesson.id, 0, 60), now=now)
    ancient = playback(lesson.id, 60, 120, begin_at=T0 - timedelta(days=90))
    result = _record(member, ancient, now=now)
    assert result.accepted == 4
    assert _state(world, lesson)["watched_seconds"] == 60.0


def test_lesson_completes_at_the_share_once_with_a_signal(world, lesson):
    member = world.accounts["member_a1"]
    received = []

    def receiver(sender, **payload):
        received.append(payload)

    with signals.lesson_completed.connected_to(receiver):
        _record(member, playback(lesson.id, 0, 530))
        assert not _state(world, lesson)["complete"]
        _record(member, playback(lesson.id, 530, 545, begin_at=T0 + timedelta(minutes=20)))
        _record(member, playback(lesson.id, 545, 600, begin_at=T0 + timedelta(minutes=21)))
    assert _state(world, lesson)["complete"]
    assert [(item["person_id"], item["lesson_id"], item["source"]) for item in received] == [
        (world.person_a1.id, lesson.id, "self_study")]
    assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 1
    # Finished at the end: next time starts from the beginning.
    assert _state(world, lesson)["resume_position"] == 0.0


def test_completion_share_is_configurable(app, world, lesson):
    app.config["COMPLETION_SHARE"] = 0.5
    _record(world.accounts["member_a1"], playback(lesson.id, 0, 290))
    assert not _state(world, lesson)["complete"]
    _record(world.accounts["member_a1"], playback(lesson.id, 290, 300, begin_at=T0 + timedelta(minutes=9)))
    assert _state(world, lesson)["complete"]


def test_text_lesson_needs_its_minimum_reading_time_on_the_server(world):
    course = create_course(world.township_a, lessons=0)
    text_a = create_lesson(course, type="text", title="读一", body_markdown="正文", min_seconds=60)
    text_b = create_lesson(course, type="text", title="读二", body_markdown="正文", min_seconds=60)
    from app.catalog import services as catalog_services

    catalog_services.publish_course(course, [world.township_a])
    db.session.commit()
    member = world.accounts["member_a1"]
    # A bare end-of-page flag completes nothing, even claiming the whole reading time at once.
    _record_live(member, [event(text_a.id, 0, 60, T0, scrolled_to_end=True)], now=T0)
    assert not _state(world, text_a)["complete"]
    # Reading for real: one heartbeat every 15 s as the server receives them.
    for stop in range(15, 75, 15):
        moment = T0 + timedelta(minutes=5, seconds=stop)
        _record_live(member, [event(text_b.id, stop - 15, stop, moment)], now=moment)
        assert _state(world, text_b)["complete"] == (stop >= 60)


def test_reporting_for_others_needs_the_role_and_the_scope(world, lesson):
    from tests.factories import create_person

    neighbour = create_person(world.branch_a1, "王邻居")
    db.session.commit()
    events = playback(lesson.id, 0, 30, person_id=neighbour.id)
    with pytest.raises(progress.ProgressRefused) as refused:
        _record(world.accounts["member_a1"], events)
    assert refused.value.status == 403
    with pytest.raises(progress.ProgressRefused) as refused:
        _record(world.accounts["organiser_b"], events)
    assert refused.value.status == 404
    db.session.rollback()
    assert _record(world.accounts["terminal_a1"], events).accepted == 2
    assert _state(world, lesson, neighbour)["watched_seconds"] == 30.0
    assert _state(world, lesson)["watched_seconds"] == 0.0


def test_a_lesson_the_learner_cannot_see_is_not_found(world):
    course = video_course(world)
    from app.catalog import services as catalog_services

    hidden = create_course(world.township_b, lessons=1)
    catalog_services.publish_course(hidden, [world.township_b])
    db.session.commit()
    with pytest.raises(progress.ProgressRefused) as refused:
        _record(world.accounts["member_a1"],
                playback(course.lessons[0].id, 0, 15) + playback(hidden.lessons[0].id, 0, 15))
    assert refused.value.status == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_a_new_content_version_starts_fresh(world, lesson):
    member = world.accounts["member_a1"]
    _record(member, playback(lesson.id, 0, 120))
    lesson.content_version += 1
    db.session.commit()
    assert _state(world, lesson)["watched_seconds"] == 0.0
    _record(member, playback(lesson.id, 0, 30, begin_at=T0 + timedelta(hours=1)))
    assert _state(world, lesson)["watched_seconds"] == 30.0


def test_the_page_endpoint_records_in_its_own_request(client, app, world, lesson):
    from tests.conftest import login

    login(client, "member-a1")
    html = client.get("/me").get_data(as_text=True)
    token = html.split('name="csrf-token" content="')[1].split('"')[0]
    from app.core.model_base import utcnow

    recent = utcnow() - timedelta(hours=1)
    response = client.post("/study/progress", json={"events": playback(lesson.id, 0, 30, begin_at=recent)},
                           headers={"X-CSRFToken": token})
    assert response.get_json() == {"accepted": 2, "duplicates": 0}
    assert "study_progress" not in app.extensions  # no writer thread or other machinery beside the request
    assert _state(world, lesson)["watched_seconds"] == 30.0
