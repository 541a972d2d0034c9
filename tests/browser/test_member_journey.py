"""Journey 3 as one walk: a member who missed a group session activates their account on a
phone, sets a PIN, clears the make-up on a 512 kbit/s link (video, then the quiz), checks this
year's hours, and plays a little offline. The secretary and the township organiser then see the
same outcome on their own pages.

Setup is what the office did before: a course whose video was transcoded by the real job from
an ffmpeg clip, a quiz lesson, a session held three days ago that the member missed (closed, so
they owe a make-up) and an activation slip printed by the secretary. Everything after that goes
through the pages.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from app.catalog.services import publish_course
from app.core.localtime import local_day, local_zone
from app.extensions import db
from app.media import services as media_services
from app.org import roster_import
from app.study.sessions import services as sessions
from app.study.sessions.models import AttendanceSource
from tests import media_factory
from tests.browser.playable import playable_video
from tests.browser.test_weak_link_player import WEAK_LINK_KBPS, _throttle, _wait_until
from tests.factories import bank_questions, create_bank, create_course, create_lesson, create_person, create_quiz

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path("/tmp/journey34")
COURSE = "马铃薯晚疫病防治"
OTHER_COURSE = "奶牛挤奶卫生要点"
MEMBER = "王秀英"
MEMBER_PHONE = "13904771234"
CLIP_SECONDS = 8
OFFLINE_CLIP_SECONDS = 8
COURSE_HOURS = Decimal("1.5")
SESSION_MINUTES = 90  # a finished make-up earns the planned session: 90 / 45 = 2 hours
QUIZ = """::q1:: 马铃薯晚疫病由什么引起？ {~细菌 =真菌 ~病毒}

::q2:: 发现中心病株应该怎么办？ {=立即拔除并带出田外 ~留在田里 ~多浇水}

::q3:: 晚疫病在什么天气容易流行？ {~高温干旱 =低温高湿 ~大风}
"""
RIGHT_ANSWERS = ["真菌", "立即拔除并带出田外", "低温高湿"]
PHONE = {"viewport": {"width": 390, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _local(day, hour: int, minute: int) -> datetime:
    """A local wall-clock moment, in UTC as the services store it (SQLite keeps no zone)."""
    return datetime.combine(day, time(hour, minute), tzinfo=local_zone()).astimezone(timezone.utc)


def _office_setup(app, world, tmp_path):
    """What the trainer and the secretary did before the member picks up their phone."""
    township, branch, secretary = world.township_a, world.branch_a1, world.accounts["secretary_a1"]
    course = create_course(township, COURSE, lessons=0, credit_hours=str(COURSE_HOURS))
    clip = media_factory.plain_clip(tmp_path, "晚疫病识别.mp4", size="640x360", duration=CLIP_SECONDS)
    media = media_services.ingest_file(clip, original_name="晚疫病识别.mp4", owner_unit=township, course=course)
    db.session.commit()  # the transcode job runs (eagerly) once the upload is committed
    db.session.expire_all()
    assert media.status == "ready", media.error
    assert sorted(r.label for r in media.renditions) == ["240p", "360p"]
    create_quiz(course, questions=bank_questions(create_bank(township, gift=QUIZ)), pass_mark=60,
                shuffle_options=True, lesson_title="课后测验")
    publish_course(course, [township])

    # A course the member has not started yet (and later plays a little of, offline).
    other = create_course(township, OTHER_COURSE, lessons=0, credit_hours="2")
    create_lesson(other, type="video", title="挤奶前的清洗消毒",
                  media=playable_video(app, township, tmp_path, OFFLINE_CLIP_SECONDS))
    publish_course(other, [township])

    member = create_person(branch, MEMBER, phone=MEMBER_PHONE)
    # Three days ago at 19:30: the session was held on the TV; the member stayed home.
    day = local_day(datetime.now(local_zone())) - timedelta(days=3)
    start = _local(day, 19, 30)
    session = sessions.schedule_session(by=secretary, site=world.site_a1, title=COURSE, course=course,
                                        starts_at=start, planned_end_at=start + timedelta(minutes=SESSION_MINUTES),
                                        now=start - timedelta(days=2))
    sessions.open_session(session, by=secretary, now=start - timedelta(minutes=10))
    sessions.sign_in(session, world.person_a1.id, source=AttendanceSource.TICK, by=secretary,
                     now=start - timedelta(minutes=5))
    closed_at = start + timedelta(minutes=SESSION_MINUTES + 5)
    summary = sessions.close_session(session, by=secretary, now=closed_at)
    assert summary.absent >= 1
    # The secretary prints the branch's activation slips (组织机构 → branch → 打印激活码).
    slips = roster_import.issue_activation_slips(branch, secretary)
    slip = next(slip for slip in slips if slip.name == MEMBER)
    db.session.commit()
    due_on = local_day(closed_at) + timedelta(days=sessions.makeup_due_days())
    return course, other, member, session, slip, due_on


def _log_in(page: Page, username: str, password: str = "secret-pass") -> None:
    page.goto("/login")
    page.locator("#identifier").fill(username)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    expect(page.locator("form[action='/logout']")).to_have_count(1)


def _hours_figure(page: Page) -> tuple[Decimal, Decimal]:
    return (Decimal(page.locator("#hours-earned").inner_text()),
            Decimal(page.locator("#hours-required").inner_text()))


def test_member_clears_the_make_up_on_a_weak_phone_link_and_sees_the_same_hours_as_the_office(
        app, world, live_server, new_page, tmp_path):
    course, other, member, session, slip, due_on = _office_setup(app, world, tmp_path)
    phone = new_page(**PHONE)

    # 1. First time: the slip's login (the phone number) and code, a password, a PIN.
    phone.goto("/login")
    phone.get_by_role("link", name="激活账号").click()
    expect(phone).to_have_url(re.compile(r"/activate$"))
    pin = phone.locator("#pin")
    expect(pin).to_have_attribute("inputmode", "numeric")  # the phone shows its number pad
    phone.locator("#identifier").fill(slip.login)
    phone.locator("#code").fill(slip.code)
    phone.locator("#password").fill("xiuying-2026")
    pin.fill("2580")
    _shot(phone, "01-activate")
    phone.locator("#submit").click()
    expect(phone).to_have_url(re.compile(r"/me$"))  # a member lands on their learning page
    expect(phone.locator("#me-set-pin")).to_have_count(0)  # the PIN is set
    # The new password works on the next login.
    phone.locator("form[action='/logout'] button").click()
    _log_in(phone, MEMBER_PHONE, "xiuying-2026")
    expect(phone).to_have_url(re.compile(r"/me$"))

    # 2. The make-up, named after the course, with its due date, as a link.
    make_up = phone.locator("#me-make-ups a.make-up-link")
    expect(make_up).to_have_count(1)
    expect(make_up).to_contain_text(f"补学：{COURSE}")
    expect(make_up).to_contain_text(format_date(due_on, format="medium", locale="zh_CN"))
    earned_before, required = _hours_figure(phone)
    assert (earned_before, required) == (Decimal("0"), Decimal("32"))
    _shot(phone, "02-me-make-up")

    _throttle(phone, WEAK_LINK_KBPS)
    make_up.click()
    expect(phone).to_have_url(re.compile(rf"/courses/{course.id}/lessons/\d+$"))
    video = phone.locator("video#lesson-player")
    expect(video).to_have_attribute("data-quality", "240p", timeout=20_000)  # the link carries 240p
    measured = float(video.get_attribute("data-throughput"))
    assert 200 < measured < 800, measured
    _wait_until(phone, "document.getElementById('lesson-player').readyState >= 1")
    phone.evaluate("""() => { const v = document.getElementById('lesson-player'); window.journeyWaits = 0;
        v.addEventListener('playing', () => { v.dataset.started = '1'; });
        v.addEventListener('waiting', () => { if (v.dataset.started) window.journeyWaits += 1; });
        v.muted = true; v.play(); }""")
    _wait_until(phone, "document.getElementById('lesson-player').ended", seconds=CLIP_SECONDS * 4)
    assert video.get_attribute("data-stalls") == "0"
    assert phone.evaluate("window.journeyWaits") == 0  # not one stall once it started
    assert phone.evaluate("document.getElementById('lesson-player').currentSrc").endswith("/240p")
    _wait_until(phone, "window.lmsProgress.queueLength() === 0")
    _shot(phone, "03-lesson-played")

    # The quiz is the next lesson; she passes it.
    phone.locator("a[rel=next]").click()
    phone.locator("#open-quiz").click()
    phone.locator("#start-quiz").click()
    for answer in RIGHT_ANSWERS:
        phone.locator("label.quiz-option").filter(has_text=answer).click()
    _shot(phone, "04-quiz")
    phone.locator("#submit-quiz").click()
    expect(phone.locator("#result-status")).to_contain_text("通过")
    expect(phone.locator("#result-score")).to_have_text("100%")
    _throttle(phone, None)

    # The make-up is done: gone from the home page, marked done on "my sessions".
    phone.locator("#nav-my-learning").click()
    expect(phone.locator("#me-make-ups")).to_have_count(0)
    expect(phone.locator("#me-make-ups-done li")).to_contain_text(f"补学：{COURSE}")
    expect(phone.locator("#me-make-ups-done li")).to_contain_text("已完成")
    phone.goto("/sessions/mine")
    expect(phone.locator("#make-ups li.make-up-done")).to_contain_text(COURSE)
    expect(phone.locator("#make-ups li.make-up-done")).to_contain_text("已完成")

    # 3. This year's hours against 32, and which courses remain.
    phone.goto("/me")
    earned, required = _hours_figure(phone)
    assert required == Decimal("32")
    assert earned == Decimal(SESSION_MINUTES) / 45 + COURSE_HOURS, earned  # make-up 2 h + the course 1.5 h
    expect(phone.locator("#me-hours-summary")).to_contain_text(f"今年还差 {required - earned:g} 学时")
    remaining = phone.locator("#me-courses-remaining")
    expect(remaining).to_contain_text(OTHER_COURSE)
    expect(remaining).not_to_contain_text(COURSE)
    _shot(phone, "05-me-hours")
    phone.goto("/me/courses")
    expect(phone.locator("#me-courses-done")).to_contain_text(COURSE)

    # The secretary sees it done: on the home panel and on the session's page.
    office = new_page()
    _log_in(office, "sec-a1")
    done = office.locator("#home-made-up li").filter(has_text=MEMBER)
    expect(done).to_contain_text(COURSE)
    expect(office.locator("#home-open-make-ups > ul:not(#home-made-up) li").filter(has_text=MEMBER)).to_have_count(0)
    _shot(office, "06-secretary-home")
    done.get_by_role("link").click()
    expect(office).to_have_url(re.compile(rf"/sessions/{session.id}$"))
    expect(office.locator("#roster-table tr").filter(has_text=MEMBER)).to_contain_text("已补学")
    expect(office.locator("#roster-table tr").filter(has_text=world.person_a1.name)).to_contain_text("19:25")
    _shot(office, "07-secretary-session")

    # The township organiser's dashboard shows her the same hours.
    organiser = new_page()
    _log_in(organiser, "org-a")
    organiser.locator("#nav-records").click()
    organiser.locator("#unit-table").get_by_role("link", name=world.branch_a1.name).click()
    row = organiser.locator("#people-table tr").filter(has=organiser.get_by_role("link", name=MEMBER))
    expect(row).to_have_count(1)
    cells = row.locator("td").all_inner_texts()
    assert Decimal(cells[2]) == earned and Decimal(cells[3]) == required, cells
    assert cells[6] == "0", cells  # no open make-up left
    _shot(organiser, "08-organiser-branch")
    row.get_by_role("link", name=MEMBER).click()
    expect(organiser).to_have_url(re.compile(r"/records/people/\d+$"))
    year_row = organiser.locator("table.file-years tbody tr").first
    expect(year_row).to_be_visible()
    assert Decimal(year_row.locator("td").nth(1).inner_text()) == earned
    expect(organiser.locator("table.file-entries")).to_contain_text(COURSE)

    # Offline: she starts the other course on the bus, the link drops, she plays on.
    phone.goto("/me")
    phone.locator("#me-courses-remaining").get_by_role("link", name=OTHER_COURSE).click()
    phone.locator("#start-course").click()
    lesson = other.lessons[0]
    expect(phone).to_have_url(re.compile(rf"/courses/{other.id}/lessons/{lesson.id}$"))
    phone.evaluate("""() => { const v = document.getElementById('lesson-player');
                              v.muted = true; v.preload = 'auto'; v.load(); }""")
    _wait_until(phone, "(function () { var v = document.getElementById('lesson-player'); return v.readyState >= 4"
                       " && v.buffered.length && v.buffered.end(0) >= v.duration - 0.1; })()")
    phone.context.set_offline(True)
    phone.evaluate("document.getElementById('lesson-player').play()")
    _wait_until(phone, "document.getElementById('lesson-player').currentTime > 4", seconds=20)
    phone.evaluate("document.getElementById('lesson-player').pause()")
    offline_position = phone.evaluate("document.getElementById('lesson-player').currentTime")
    _wait_until(phone, "window.lmsProgress.queueLength() > 0")
    phone.wait_for_timeout(1000)  # a send was tried (the pause flushes) and failed
    assert phone.evaluate("window.lmsProgress.queueLength()") > 0
    phone.context.set_offline(False)
    _wait_until(phone, "window.lmsProgress.queueLength() === 0", seconds=20)
    phone.goto("/me")
    phone.reload()
    resume = phone.locator("#me-resume li").filter(has_text=lesson.title)
    expect(resume).to_have_count(1)
    minutes, seconds = re.search(r"(\d+):(\d{2})", resume.inner_text()).groups()
    assert int(minutes) * 60 + int(seconds) >= int(offline_position) - 1 >= 3, (resume.inner_text(), offline_position)
    in_progress = phone.locator("#me-courses-in-progress li").filter(has_text=OTHER_COURSE)
    expect(in_progress.get_by_role("link", name="继续学习")).to_have_count(1)
    _shot(phone, "09-me-after-offline")
    assert _hours_figure(phone) == (earned, required)  # a few seconds of self-study earn no hours yet
    phone.goto("about:blank")
