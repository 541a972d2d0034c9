"""A township receives a course package that carries a questionnaire: the organiser imports the
zip on the import page, finds the questionnaire as a draft linked to the course, dates and
publishes it, prints slips, and downloads the course package again with the questionnaire in it."""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from app.catalog.services import ensure_builtin_categories
from app.core.localtime import local_today
from app.extensions import db
from tests.browser.test_login import fill_login

pytestmark = pytest.mark.browser

COURSES = Path(__file__).resolve().parents[2] / "courses"
SHOTS = Path("/tmp/package_questionnaire")
TITLE = "马铃薯种植培训效果问卷"


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _potato_zip(tmp_path: Path) -> Path:
    folder = tmp_path / "potato-seed-and-yield"
    shutil.copytree(COURSES / "potato-seed-and-yield", folder)
    archive = tmp_path / "potato-seed-and-yield.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return archive


def test_a_package_brings_its_questionnaire_as_a_draft_the_township_publishes(world, live_server, new_page, tmp_path):
    ensure_builtin_categories()
    db.session.commit()
    archive = _potato_zip(tmp_path)
    page = new_page()
    page.goto(live_server.url("/login"))
    fill_login(page, "org-a", "secret-pass")

    page.goto(live_server.url("/manage/courses"))
    page.locator("#import-package").click()
    page.locator("#package-file").set_input_files(str(archive))
    page.locator("#package-submit").click()
    expect(page).to_have_url(re.compile(r"/manage/courses/\d+$"), timeout=120_000)  # the key-point video is made
    expect(page.locator(".flash-info").filter(has_text=TITLE)).to_contain_text("已建为草稿")
    _shot(page, "01-imported")

    # The questionnaire waits in the list as a draft of the township, linked to the course.
    page.locator("#nav-questionnaires").click()
    row = page.locator("main").get_by_role("link", name=TITLE)
    expect(row).to_have_count(1)
    row.click()
    expect(page.locator("h1")).to_contain_text("甲镇")
    expect(page.locator("h1")).to_contain_text("草稿")
    expect(page.locator("#sent-with-course")).to_contain_text("马铃薯脱毒种薯与高产栽培")
    expect(page.locator("ol.survey-questions > li")).to_have_count(5)
    _shot(page, "02-draft")

    # Dates, then publish, then slips for a branch.
    today = local_today()
    settings = page.locator("#settings-form")
    settings.locator("#opens_on").fill(today.isoformat())
    settings.locator("#closes_on").fill((today + timedelta(days=14)).isoformat())
    settings.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.locator("#publish").click()
    expect(page.locator("h1")).to_contain_text("已发布")
    page.locator("#print-slips").click()
    page.locator("#count").fill("3")
    page.get_by_role("button", name="生成答卷码").click()
    expect(page.locator("#slips .code")).to_have_count(3)
    _shot(page, "03-slips")

    # The course page hands the package on, questionnaire included.
    page.goto(live_server.url("/manage/courses"))
    page.get_by_role("link", name="马铃薯脱毒种薯与高产栽培").first.click()
    with page.expect_download() as waiting:
        page.locator("#course-package-download").click()
    download = waiting.value
    assert download.suggested_filename == "potato-seed-and-yield.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as bundle:
        manifest = yaml.safe_load(bundle.read("potato-seed-and-yield/course.yaml"))
    [sent] = manifest["questionnaires"]
    assert (sent["key"], sent["title"], len(sent["questions"])) == ("potato-training-effect", TITLE, 5)
    _shot(page, "04-course-page")
