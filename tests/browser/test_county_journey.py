"""Journey 4 on a fresh demo: the county organiser checks completion in Chromium.

The demo is built by the function `lms demo` calls (app.demo.build_demo: the county, its people
and logins, the nine starter courses with their key-point videos transcoded by the real job, and
a past group session per branch with attendance), with an outbound-feed receiver configured: a
real HTTP server started here. Everything the organiser checks is read from the pages and the
files they download.
"""
from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from collections import defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from app.core.localtime import local_year
from app.demo import DEMO_PASSWORD, TOWNSHIPS, build_demo
from tests.browser.test_login import fill_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path("/tmp/journey34")
COUNTY_ORGANISER = "org-county"
DONE = {"完成", "已完成"}
# Colours of the dashboard chart's bars (app/records/charts.py), by standing.
BAR_COLOURS = {"#1b5e20": "done", "#0b4fa3": "on_track", "#b3261e": "behind", "#9e9e9e": "not_required"}
STANDINGS = ["done", "on_track", "behind", "not_required"]
STANDING_LABELS = {"已完成": "done", "进度正常": "on_track", "落后": "behind", "不要求": "not_required"}


class _Receiver:
    """The county's cadre-file system: a real HTTP endpoint that keeps what it is sent."""

    def __init__(self):
        statements = self.statements = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                statements.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/xapi/statements"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = _Receiver()
    yield receiver
    receiver.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _percent(text: str) -> float | None:
    text = text.strip()
    return None if text == "—" else float(text.rstrip("%"))


def _unit_rows(page: Page) -> dict[str, dict]:
    """The #unit-table of a dashboard, by unit name."""
    rows = {}
    for row in page.locator("#unit-table tbody tr").all():
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        rows[cells[0]] = {
            "people": int(cells[1]), "done": int(cells[2].split()[0]), "on_track": int(cells[3].split()[0]),
            "behind": int(cells[4].split()[0]), "not_required": int(cells[5]),
            "shares": {key: float(re.search(r"\((\d+)%\)", cells[index]).group(1))
                       for key, index in (("done", 2), ("on_track", 3), ("behind", 4))},
            "hours": Decimal(cells[6]), "target": Decimal(cells[7]), "completion": _percent(cells[8]),
            "attendance": _percent(cells[9]), "open_makeups": int(cells[10]),
        }
    return rows


def _people_rows(page: Page) -> list[dict]:
    """The #people-table of a branch dashboard."""
    rows = []
    for row in page.locator("#people-table tbody tr").all():
        cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
        rows.append({"name": cells[0], "standing": cells[1], "hours": Decimal(cells[2]), "target": Decimal(cells[3]),
                     "attendance": _percent(cells[5]), "open_makeups": int(cells[6]), "phone": cells[7]})
    return rows


def _chart_shares(svg: str, units: int) -> list[dict[str, float]]:
    """Each unit's bar segments in the chart, as percentages of the axis (0-100)."""
    frame = re.search(r'<g id="patch_2">\s*<path d="M ([\d.]+) [\d.]+\s*L ([\d.]+)', svg)
    left, right = float(frame.group(1)), float(frame.group(2))
    bars = defaultdict(list)
    for x1, x2, colour in re.findall(r'<path d="M ([\d.]+) [\d.]+\s*L ([\d.]+) [\d.]+\s*L [^"]*"\s*'
                                     r'clip-path="[^"]*" style="fill: (#[0-9a-f]{6})"', svg):
        bars[BAR_COLOURS[colour]].append((float(x2) - float(x1)) / (right - left) * 100)
    assert all(len(values) == units for values in bars.values()), bars
    return [{key: bars[key][index] for key in bars} for index in range(units)]


def _download(page: Page, selector: str, target: Path) -> Path:
    with page.expect_download() as download:
        page.locator(selector).click()
    download.value.save_as(target)
    return target


def _read_xlsx(path: Path) -> tuple[list[list], list[list]]:
    """Both sheets' rows; fails on any formula cell."""
    book = openpyxl.load_workbook(path)  # not read-only: cell types are checked
    sheets = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not (isinstance(cell.value, str) and cell.value.startswith("=")), cell.value
        sheets.append([list(row) for row in sheet.iter_rows(values_only=True)])
    return sheets[0], sheets[1]


def _read_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for value in row:
            assert value[:1] not in ("=", "+", "@"), value  # nothing a spreadsheet would run
    return rows


def _deliver_the_feed(app) -> None:
    """What the job consumer does every minute: post what is due until nothing waits."""
    runner = app.test_cli_runner()
    for _ in range(20):
        result = runner.invoke(args=["records", "deliver"])
        assert result.exit_code == 0, result.output
        if "; 0 waiting" in result.output:
            return
    pytest.fail(f"the outbox did not drain: {result.output}")


def test_county_organiser_checks_completion_on_a_fresh_demo(app, live_server, new_page, tmp_path, receiver):
    app.config["RECORDS_FEED_URL"] = receiver.url
    started = time.monotonic()
    logins = build_demo()
    built_in = time.monotonic() - started
    print(f"demo built in {built_in:.0f} s")
    assert any(login.username == COUNTY_ORGANISER and login.role == "organiser" for login in logins)
    _deliver_the_feed(app)
    year = local_year()

    page = new_page(accept_downloads=True, viewport={"width": 1366, "height": 900})
    page.goto("/login")
    fill_login(page, COUNTY_ORGANISER, DEMO_PASSWORD)
    page.locator("#nav-records").click()

    # 1. Each township: done / on track / behind, hours against plan, attendance, make-ups.
    expect(page.locator("h1")).to_contain_text("示范旗")
    townships = _unit_rows(page)
    assert set(townships) == {name for _code, name, _slug, _branches in TOWNSHIPS}
    for name, row in townships.items():
        assert row["people"] == 30, (name, row)
        assert row["done"] + row["on_track"] + row["behind"] + row["not_required"] == row["people"]
        assert row["target"] > row["hours"] > 0, (name, row)  # a fresh year: hours in, far from the plan
        assert row["attendance"] is not None and 0 < row["attendance"] < 100, (name, row)
        assert row["open_makeups"] > 0, (name, row)  # last week's absentees
    chart = page.locator(".records-chart img")
    expect(chart).to_be_visible()
    svg = page.request.get(live_server.url(chart.get_attribute("src")))
    assert svg.ok and svg.headers["content-type"].startswith("image/svg+xml")
    for name, shares in zip(townships, _chart_shares(svg.text(), len(townships))):
        assert name in svg.text()
        for key, share in townships[name]["shares"].items():
            assert abs(shares.get(key, 0.0) - share) <= 0.6, (name, key, shares, share)  # the table rounds
    _shot(page, "10-county-dashboard")

    # 2. Down to a township, its XLSX and CSV, then a branch and a person.
    township_name = TOWNSHIPS[0][1]
    page.locator("#unit-table").get_by_role("link", name=township_name).click()
    expect(page.locator("h1")).to_contain_text(township_name)
    branches = _unit_rows(page)
    assert len(branches) == 3
    _shot(page, "11-township-dashboard")
    summary, entries = _read_xlsx(_download(page, "#export-xlsx", tmp_path / "township.xlsx"))
    csv_rows = _read_csv(_download(page, "a[href*='export.csv']", tmp_path / "township.csv"))

    people = summary[1:]
    township = townships[township_name]
    assert len(people) == township["people"]
    assert sum(Decimal(str(row[4])) for row in people).quantize(Decimal("0.1")) == township["hours"]
    assert sum(Decimal(str(row[5])) for row in people).quantize(Decimal("0.1")) == township["target"]
    assert sum(row[10] for row in people) == township["open_makeups"]
    by_branch = defaultdict(list)
    for row in people:
        by_branch[row[1]].append(row)
    assert set(by_branch) == set(branches)
    for branch_name, rows in by_branch.items():
        counted = {key: 0 for key in STANDINGS}
        for row in rows:
            counted[STANDING_LABELS[row[6]]] += 1
        page_row = branches[branch_name]
        assert counted == {key: page_row[key] for key in STANDINGS}, (branch_name, counted, page_row)
        assert sum(row[10] for row in rows) == page_row["open_makeups"]
        assert sum(Decimal(str(row[4])) for row in rows).quantize(Decimal("0.1")) == page_row["hours"]
    # The CSV and the XLSX entry sheet are the same entries, and add up to each person's hours.
    assert csv_rows[0] == [str(value) for value in entries[0]]
    assert len(csv_rows) == len(entries) and len(entries) > len(people)
    csv_hours = defaultdict(Decimal)
    for row in csv_rows[1:]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[4]) and row[6] and row[7], row
        csv_hours[(row[1], row[2])] += Decimal(row[8] or "0")
    for row in people:
        assert csv_hours.get((row[0], row[1]), Decimal("0")).quantize(Decimal("0.01")) == \
            Decimal(str(row[4])).quantize(Decimal("0.01")), row

    branch_name = next(iter(branches))
    page.locator("#unit-table").get_by_role("link", name=branch_name).click()
    expect(page.locator("h1")).to_contain_text(branch_name)
    branch_people = _people_rows(page)
    xlsx_by_phone = {row[3]: row for row in by_branch[branch_name]}
    assert {row["phone"] for row in branch_people} == set(xlsx_by_phone)
    for row in branch_people:
        sheet_row = xlsx_by_phone[row["phone"]]
        assert (row["name"], row["standing"], row["open_makeups"]) == (sheet_row[0], sheet_row[6], sheet_row[10])
        assert row["hours"] == Decimal(str(sheet_row[4])).quantize(Decimal("0.1"))
        assert row["target"] == Decimal(str(sheet_row[5])).quantize(Decimal("0.1"))
    _shot(page, "12-branch-dashboard")
    person = max(branch_people, key=lambda row: row["hours"])
    page.locator("#people-table").get_by_role("link", name=person["name"]).click()
    file_rows = page.locator("table.file-entries tbody tr")
    expect(file_rows.first).to_be_visible()
    shown = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in file_rows.all()]
    for cells in shown:  # date, type, source, course or session name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[1]) and cells[2] and cells[3] and cells[4], cells
    in_csv = [row for row in csv_rows[1:] if (row[1], row[2]) == (person["name"], branch_name)]
    assert sorted((cells[1], cells[4]) for cells in shown) == sorted((row[4][:10], row[7]) for row in in_csv)
    assert any(cells[4] == "马铃薯晚疫病防治" for cells in shown)  # the group session of journey 2
    file_year = page.locator("table.file-years tbody tr").filter(has_text=str(year)).locator("td").all_inner_texts()
    assert Decimal(file_year[1]) == person["hours"] and Decimal(file_year[2]) == person["target"]
    _shot(page, "13-development-file")

    # 3. The branch's development files, printed.
    page.go_back()
    page.locator("#print-files").click()
    expect(page.locator(".development-file")).to_have_count(len(branch_people))
    expect(page.locator("body.records-print")).to_be_visible()
    _shot(page, "14-print-files")

    # 4. The outbound feed: nothing waiting, and when it last delivered.
    page.goto("/records")
    county_entries = len(_read_csv(_download(page, "a[href*='export.csv']", tmp_path / "county.csv"))) - 1
    page.locator("#feed-link").click()
    expect(page.locator("#feed-backlog")).to_have_text("0")
    expect(page.locator("#feed-last")).to_have_text(re.compile(rf"{year}"))
    expect(page.locator("#feed-error")).to_have_text("—")
    # Every entry of the year went out (statements of other years may come on top).
    assert len(receiver.statements) >= county_entries > len(entries)
    _shot(page, "15-feed")

    # Ends: targets 32 and 56, and nobody with hours left or a make-up open shows as done.
    page.goto("/records")
    page.locator("#print-files").click()
    files = page.locator(".development-file")
    expect(files).to_have_count(60)
    checked = {"member": 0, "secretary": 0}
    for development_file in files.all():
        about = development_file.locator("p.muted").first.inner_text()
        target = Decimal(development_file.locator("table.file-years tbody tr").filter(
            has_text=str(year)).locator("td").nth(2).inner_text())
        roles = about.split(" · ")[2:]
        if "支部书记" in roles:
            assert target == 56, about
            checked["secretary"] += 1
        elif "正式党员" in about and "两委班子成员" not in roles:
            assert target == 32, about
            checked["member"] += 1
    assert checked == {"member": 6 * 3, "secretary": 6}, checked  # per branch: 3 full members, 1 secretary
    everyone = []
    for township_code, township_name, _slug, village_branches in TOWNSHIPS:
        page.goto("/records")
        page.locator("#unit-table").get_by_role("link", name=township_name).click()
        summary, _entries = _read_xlsx(_download(page, "#export-xlsx", tmp_path / f"{township_code}.xlsx"))
        for row in summary[1:]:
            everyone.append((row[0], row[6], Decimal(str(row[4])), Decimal(str(row[5])), row[10]))
        for _code, village in village_branches:
            page.locator("#unit-table").get_by_role("link", name=f"{village}党支部").click()
            everyone.extend((row["name"], row["standing"], row["hours"], row["target"], row["open_makeups"])
                            for row in _people_rows(page))
            page.go_back()
    assert len(everyone) == 2 * 60
    for name, standing, hours, target, open_makeups in everyone:
        if hours < target or open_makeups:
            assert standing not in DONE, (name, standing, hours, target, open_makeups)
    assert any(open_makeups for *_rest, open_makeups in everyone)
    assert all(standing not in DONE for _name, standing, *_rest in everyone)  # nobody has 32 hours yet

