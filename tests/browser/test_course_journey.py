"""Journey 1 in Chromium (docs: /work/shared/journeys.md): a township trainer builds a course on
the shipped pages only and publishes it to the township.

Only the world is set up through services before the walk (units, accounts, terminals, an
earlier draft and an earlier upload still transcoding). From the login on, everything is
done by clicking and typing in the browser; background jobs run in a real embedded consumer,
as under `lms serve`, so the transcode's percentage is what the page shows while it works.

Screenshots of every page walked go to /tmp/journey1/.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.catalog.models import Category
from app.catalog.services import create_course, ensure_builtin_categories
from app.core.jobs import Job, JobStatus, make_consumer
from app.core.model_base import utcnow
from app.extensions import db
from app.media.models import Media, MediaStatus
from app.org.choices import Role
from tests import media_factory
from tests.browser.test_login import fill_login
from tests.conftest import _empty_all_tables
from tests.factories import create_account, create_site

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/journey1")
COURSE = "马铃薯晚疫病防治"
EARLIER_DRAFT = "奶牛冬季饲养"
EARLIER_UPLOAD = "冬季羊舍管理.mp4"
BANK = "马铃薯病虫害题库"
GOOD_ROWS = 12


@pytest.fixture
def app(make_app):
    """Jobs go through the SQLite queue to an embedded consumer, as under `lms serve`."""
    app = make_app(JOBS_EAGER=False)
    consumer = make_consumer(app, embedded=True)
    consumer.start()
    assert consumer.ready.wait(30), "the embedded consumer did not start"
    with app.app_context():
        try:
            yield app
        finally:
            consumer.stop(graceful=True)
            db.session.remove()
            _empty_all_tables()


@pytest.fixture
def township(world):
    """Township A with a trainer of its own, a terminal in each of its branches and one in
    township B; the trainer left an earlier draft and an upload that is still transcoding."""
    ensure_builtin_categories()
    trainer = create_account("trainer-a", Role.TRAINER, world.township_a, display_name="王培训")
    site_a2 = create_site(world.branch_a2, "甲二村活动室")
    create_account("tv-a2", Role.TERMINAL, world.branch_a2, site=site_a2)
    create_account("tv-b1", Role.TERMINAL, world.branch_b1, site=world.site_b1)
    agriculture = db.session.scalar(select(Category).where(Category.code == "agri_tech"))
    create_course(title=EARLIER_DRAFT, category=agriculture, owner_unit=world.township_a, created_by=trainer)
    job = Job(kind="transcode", status=JobStatus.RUNNING, progress=40, account_id=trainer.id,
              unit_id=world.township_a.id, started_at=utcnow())
    db.session.add(job)
    db.session.flush()
    media = Media(kind="video", status=MediaStatus.PROCESSING, progress=40, original_name=EARLIER_UPLOAD,
                  owner_unit_id=world.township_a.id, uploaded_by_id=trainer.id, job_id=job.id, duration=600.0)
    db.session.add(media)
    db.session.flush()
    job.payload_json = f'{{"media_id": {media.id}}}'
    db.session.commit()
    return world


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _wait_until(page: Page, predicate: str, seconds: float = 15) -> None:
    """Poll a predicate with page.evaluate: wait_for_function needs eval, which the CSP forbids."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        page.wait_for_timeout(100)


def test_township_trainer_builds_and_publishes_a_course(township, live_server, new_page, tmp_path):
    world = township
    trainer = new_page(locale="zh-CN")
    trainer.goto("/login")
    fill_login(trainer, "trainer-a", "secret-pass")
    see_home(trainer, live_server)
    create_the_course(trainer, world)
    upload_the_phone_video(trainer, tmp_path)
    refuse_the_picture(trainer, tmp_path)
    pdf = add_text_and_pdf_lessons(trainer, tmp_path)
    import_the_question_bank(trainer, tmp_path)
    build_the_quiz(trainer)
    preview_every_lesson(trainer, pdf.stat().st_size)
    publish_to_the_township(trainer, world)
    save_again_keeps_the_tags(trainer)
    learner_draws_ten_questions(new_page)
    terminals_of_the_township_list_it(new_page, live_server)


# --- 1. home ------------------------------------------------------------------------------------

def see_home(page: Page, live_server) -> None:
    expect(page).to_have_url(live_server.url("/"))
    shot(page, "01-home")
    courses = page.locator("#my-courses-panel")
    expect(courses.locator("#my-course-list")).to_contain_text(EARLIER_DRAFT)
    expect(courses).to_contain_text("草稿 1 门")
    running = page.locator("#jobs-panel tr.job-running")
    expect(running).to_contain_text(EARLIER_UPLOAD)
    expect(running).to_contain_text("40%")


# --- 2. the course --------------------------------------------------------------------------

def create_the_course(page: Page, world) -> None:
    page.locator("#my-courses-panel").get_by_role("link", name="新建课程").click()
    shot(page, "02-course-new")
    page.locator("#title").fill(COURSE)
    page.locator("#category_id").select_option(label="农业科技")
    page.locator("#credit_hours").fill("2")
    page.locator("#summary").fill("识别病斑，科学用药，减少损失。")
    page.locator("#tags").fill("马铃薯,晚疫病")
    page.get_by_label("正式党员").check()
    page.get_by_label("预备党员").check()
    expect(page.locator("#owner_unit_id option:checked")).to_have_text(re.compile(r"^\s*甲镇$"))
    page.locator("#submit").click()
    expect(page.locator("#course-title")).to_contain_text(COURSE)
    expect(page.locator("#course-status")).to_have_text("草稿")
    shot(page, "03-course-workbench")


# --- 3. uploads -----------------------------------------------------------------------------

def upload_the_phone_video(page: Page, tmp_path) -> None:
    # Long enough that its transcode spans several of ffmpeg's progress reports (every 0.5 s)
    # even on a quiet machine: a 6-second clip was done before the first one now and then.
    clip = media_factory.rotated_phone_clip(tmp_path, name="晚疫病田间识别.mp4", coded_size="1280x720", duration=20)
    page.locator("#upload-into-course").click()
    expect(page.locator("#resumable-upload")).to_be_visible()
    shot(page, "04-upload")
    page.set_input_files("#resumable-file", str(clip))
    # The uploader moves to the media page when the last chunk is in; it refreshes itself while
    # the transcode runs and shows how far it got.
    expect(page.locator("#media-title")).to_have_text("晚疫病田间识别.mp4", timeout=30_000)
    seen = []
    deadline = time.monotonic() + 90
    while True:
        status = page.locator("#media-status .media-status")
        try:
            state = status.get_attribute("data-status", timeout=5_000)
            if state != "ready":
                seen.append((state, page.locator("#media-status .media-percent").text_content(timeout=2_000)))
                if len(seen) == 1:
                    shot(page, "05-transcoding")
        except Exception:  # the page refreshed under us
            state = None
        if state in ("ready", "failed"):
            break
        assert time.monotonic() < deadline, seen
        page.wait_for_timeout(250)
    assert state == "ready", page.locator("#media-status").inner_text()
    assert all(re.fullmatch(r"\d{1,3}%", percent) for _, percent in seen), seen
    percents = [int(percent[:-1]) for state, percent in seen if state == "processing"]
    assert percents == sorted(percents) and any(0 < percent < 100 for percent in percents), seen
    poster = page.locator("#media-poster")
    expect(poster).to_be_visible()
    _wait_until(page, "() => document.getElementById('media-poster').complete")
    width, height = page.evaluate("[document.getElementById('media-poster').naturalWidth,"
                                  " document.getElementById('media-poster').naturalHeight]")
    assert height > width > 0, "the poster of a portrait phone video stands upright"
    shot(page, "06-media-ready")
    page.locator("#media-lessons").get_by_role("link", name=COURSE).click()
    expect(page.locator("#lesson-table tbody tr")).to_have_count(1)


def refuse_the_picture(page: Page, tmp_path) -> None:
    picture = media_factory.image_named_mp4(tmp_path)
    lessons_before = page.locator("#lesson-table tbody tr").count()
    page.locator("#upload-into-course").click()
    page.set_input_files("#resumable-file", str(picture))
    error = page.locator("#upload-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("不是视频")
    expect(page.locator("#upload-progress")).to_be_hidden()
    expect(page.locator("#upload-status")).to_have_text("")
    assert page.evaluate("getComputedStyle(document.getElementById('upload-error')).color") == "rgb(179, 38, 30)"
    shot(page, "07-picture-refused")
    page.locator(".breadcrumb").get_by_role("link", name=COURSE).click()
    expect(page.locator("#lesson-table tbody tr")).to_have_count(lessons_before)
    page.locator("nav.main-nav").get_by_role("link", name="媒体库").click()
    expect(page.locator("#media-library")).to_contain_text("晚疫病田间识别.mp4")
    expect(page.locator("#media-library")).not_to_contain_text("picture.mp4")


def open_the_course(page: Page) -> None:
    page.locator("nav.main-nav").get_by_role("link", name="我的课程").click()
    page.get_by_role("link", name=COURSE).click()
    expect(page.locator("#course-title")).to_contain_text(COURSE)


# --- 4. text, PDF, question bank, quiz ------------------------------------------------------

def add_text_and_pdf_lessons(page: Page, tmp_path) -> Path:
    open_the_course(page)
    page.locator("#text-title").fill("识别晚疫病")
    page.locator("#text-body").fill("# 病斑特征\n\n- 叶片出现**水渍状**斑点\n- 叶背有白色霉层")
    page.locator("#text-submit").click()
    expect(page.locator("#lesson-preview h1")).to_have_text("病斑特征")
    expect(page.locator("#lesson-preview strong")).to_have_text("水渍状")
    shot(page, "08-text-lesson")
    pdf = media_factory.text_pdf(tmp_path, "晚疫病防治手册.pdf")
    page.get_by_role("link", name="返回课程").click()
    page.locator("#upload-into-course").click()
    page.set_input_files("#resumable-file", str(pdf))
    expect(page.locator("#media-title")).to_have_text("晚疫病防治手册.pdf", timeout=30_000)
    expect(page.locator("#media-status .media-status")).to_have_attribute("data-status", "ready")
    page.locator("#media-lessons").get_by_role("link", name=COURSE).click()
    rows = page.locator("#lesson-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("晚疫病田间识别")
    expect(rows.nth(1)).to_contain_text("识别晚疫病")
    expect(rows.nth(2)).to_contain_text("晚疫病防治手册")
    shot(page, "09-three-lessons")
    return pdf


def import_the_question_bank(page: Page, tmp_path) -> None:
    page.locator("nav.main-nav").get_by_role("link", name="题库").click()
    page.locator("#name").fill(BANK)
    page.locator("#unit").select_option(label="甲镇")
    page.locator("form.card button[type=submit], form.card input[type=submit]").first.click()
    expect(page.locator("h1")).to_contain_text(BANK)
    shot(page, "10-bank")
    page.locator("#bank-import").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 Excel 模板").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    workbook = _question_workbook(template)
    page.set_input_files("input[type=file]", str(workbook))
    page.locator("#import-check").click()
    expect(page.locator("#count-questions")).to_have_text(str(GOOD_ROWS))
    expect(page.locator("#count-errors")).to_have_text("2")
    problems = page.locator("#import-errors tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("第 5 行")
    expect(problems.nth(0)).to_contain_text("答案")
    expect(problems.nth(1)).to_contain_text("第 11 行")
    expect(problems.nth(1)).to_contain_text("题型")
    shot(page, "11-import-preview")
    page.locator("#import-confirm").click()
    expect(page.locator(".flash-success")).to_have_text(f"已导入 {GOOD_ROWS} 道试题；2 处问题未导入。")
    expect(page.locator("#question-list tbody tr")).to_have_count(GOOD_ROWS)
    shot(page, "12-bank-imported")


def _question_workbook(template: Path) -> Path:
    """Questions in the columns of the downloaded template; rows 5 and 11 are bad."""
    sheet = openpyxl.load_workbook(template).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = []
    for number in range(1, GOOD_ROWS + 1):
        text = f"马铃薯晚疫病防治第{number}题"
        rows.append([
            {"题型": "单选题", "题目": f"{text}：哪种做法正确？", "选项A": "选用抗病品种", "选项B": "大水漫灌",
             "选项C": "连年重茬", "答案": "A", "解析": "抗病品种是第一道防线。", "分值": 1},
            {"题型": "判断题", "题目": f"{text}：低温高湿时晚疫病容易流行。", "答案": "正确"},
            {"题型": "多选题", "题目": f"{text}：哪些是防治措施？", "选项A": "及时喷施保护性药剂",
             "选项B": "清除病株", "选项C": "大水漫灌", "答案": "AB", "分类": "马铃薯/晚疫病"},
        ][number % 3])
    rows.insert(3, {"题型": "单选题", "题目": "缺少答案的题", "选项A": "甲", "选项B": "乙"})  # sheet row 5
    rows.insert(9, {"题型": "连线题", "题目": "未知题型的题", "答案": "A"})  # sheet row 11
    book = openpyxl.Workbook()
    out = book.active
    out.append(headers)
    for row in rows:
        out.append([row.get(header) for header in headers])
    path = template.with_name("马铃薯题库.xlsx")
    book.save(path)
    return path


def build_the_quiz(page: Page) -> None:
    open_the_course(page)
    page.locator("#quiz-title").fill("晚疫病小测验")
    page.locator("#quiz-submit").click()
    page.locator("#lesson-table .quiz-setup").click()
    expect(page.locator("#pass_mark")).to_have_value("60")
    page.locator("#quiz-create").click()
    page.locator("#draw-form select").select_option(label=f"{BANK}（整个题库）")
    page.locator("#draw-form input[name=count]").fill("10")
    page.locator("#draw-form [type=submit]").click()
    expect(page.locator("#quiz-slots")).to_contain_text("10")
    expect(page.locator("#quiz-slots")).to_contain_text(BANK)
    expect(page.locator("#settings-form #pass_mark")).to_have_value("60")
    shot(page, "13-quiz")


# --- 5. preview and publish -----------------------------------------------------------------

def preview_every_lesson(page: Page, pdf_size: int) -> None:
    page.locator(".breadcrumb a").first.click()
    page.locator("#preview-as-learner").click()
    expect(page.locator("#preview-notice")).to_be_visible()
    shot(page, "14-preview-course")
    page.locator("#start-course").click()
    # 1: the video plays
    video = page.locator("video#lesson-player")
    expect(video).to_be_visible()
    _wait_until(page, "() => document.getElementById('lesson-player').readyState >= 1")
    page.evaluate("var v = document.getElementById('lesson-player'); v.muted = true; v.play();")
    _wait_until(page, "() => document.getElementById('lesson-player').currentTime > 0.5")
    shot(page, "15-preview-video")
    # 2: the text shows
    page.locator("a[rel=next]").click()
    expect(page.locator("#lesson-body h1")).to_have_text("病斑特征")
    expect(page.locator("#lesson-body")).to_contain_text("叶背有白色霉层")
    shot(page, "16-preview-text")
    # 3: the PDF is served into the page
    with page.expect_response(re.compile(r"/media/\d+/source$")) as pdf_response:
        page.locator("a[rel=next]").click()
    response = pdf_response.value
    # (Chromium hands the bytes to its PDF viewer: what the frame reports is the viewer's page.)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert int(response.headers["content-length"]) == pdf_size
    expect(page.locator("#media-document iframe")).to_be_visible()
    expect(page.locator("#pdf-download")).to_contain_text("1 KB")
    shot(page, "17-preview-pdf")
    # 4: the quiz. (Chromium's PDF viewer in the frame keeps laying out after the page's load
    # event; a click sent meanwhile is dropped, so wait until the link is what a tap there hits.)
    next_link = page.locator("a[rel=next]")
    next_link.scroll_into_view_if_needed()
    _wait_until(page, """() => { var link = document.querySelector('a[rel=next]'), box = link.getBoundingClientRect();
                                 return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2) === link; }""")
    with page.expect_navigation():
        next_link.click()
    expect(page.locator("#lesson-quiz")).to_contain_text("60%")
    shot(page, "18-preview-quiz")


def publish_to_the_township(page: Page, world) -> None:
    page.locator("nav.lesson-nav").get_by_role("link", name="返回课程").click()
    page.locator("#preview-notice a").click()
    ticked = page.locator("#publish-units input:checked")
    expect(ticked).to_have_count(1)
    expect(ticked).to_have_attribute("value", str(world.township_a.id))
    shot(page, "19-publish-form")
    page.locator("#publish-submit").click()
    expect(page.locator("#publications")).to_contain_text("甲镇")
    expect(page.locator("#course-status")).to_have_text("已发布")
    shot(page, "20-published")


# --- ends with ------------------------------------------------------------------------------

def save_again_keeps_the_tags(page: Page) -> None:
    expect(page.locator("#tags")).to_have_value("马铃薯,晚疫病")
    version = page.locator("#course-version").inner_text()
    page.locator("#course-submit").click()
    expect(page.locator(".flash-success")).to_have_text("没有修改。")
    expect(page.locator("#course-version")).to_have_text(version)
    # A real edit of a published course gives it a new version; the tags stay as typed.
    page.locator("#summary").fill("识别病斑，科学用药，减少损失。附防治手册。")
    page.locator("#course-submit").click()
    expect(page.locator(".flash-success")).to_contain_text("第 2 版")
    expect(page.locator("#tags")).to_have_value("马铃薯,晚疫病")
    page.locator("#preview-as-learner").click()
    expect(page.locator("#course-tags")).to_have_text("马铃薯、晚疫病")


def learner_draws_ten_questions(new_page) -> None:
    member = new_page(locale="zh-CN")
    member.goto("/login")
    fill_login(member, "member-a1", "secret-pass")
    member.locator("nav.main-nav").get_by_role("link", name="课程", exact=True).click()
    member.get_by_role("link", name=COURSE).click()
    member.get_by_role("link", name="晚疫病小测验").click()
    member.locator("#open-quiz").click()
    member.locator("#start-quiz").click()
    questions = member.locator("#quiz-form .quiz-question")
    expect(questions).to_have_count(10)
    texts = [text.strip() for text in member.locator("#quiz-form .quiz-question legend").all_inner_texts()]
    assert len(set(texts)) == 10 and all("马铃薯晚疫病防治第" in text for text in texts), texts
    shot(member, "21-learner-quiz")


def terminals_of_the_township_list_it(new_page, live_server) -> None:
    for username, room, listed in (("tv-a1", "甲一村活动室", True), ("tv-a2", "甲二村活动室", True),
                                   ("tv-b1", "乙一村活动室", False)):
        tv = new_page(locale="zh-CN")
        tv.goto("/login")
        fill_login(tv, username, "secret-pass")
        # The TV opens on its own start screen.
        expect(tv).to_have_url(live_server.url("/"))
        expect(tv.locator("h1")).to_have_text(room)
        expect(tv.locator("#courses-heading")).to_be_visible()
        if listed:
            expect(tv.locator("#branch-courses")).to_contain_text(COURSE)
        else:
            expect(tv.locator("#courses-heading + p")).to_have_text("还没有发布到本支部的课程。")
            expect(tv.locator("#branch-courses")).to_have_count(0)
        shot(tv, f"22-terminal-{username}")
