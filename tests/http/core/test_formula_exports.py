"""No export carries a formula: every CSV and XLSX the app writes, with text starting with each
character a spreadsheet runs (= + - @ tab CR) in the people's names, the unit's name, a course
title, an appraisal note, the recorder's username and a question's text.

CSV: such text gets a leading apostrophe. XLSX: the text is kept exactly, in a string cell
(openpyxl reads data_type "s", never "f"), marked quote-prefix. Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from app.core.model_base import utcnow
from app.core.tabular import FORMULA_TRIGGERS, append_row, csv_text, is_formula_like
from app.core.xlsx import StreamingXlsxWriter
from app.extensions import db
from app.org.choices import Role
from app.quiz import services as quiz_services
from app.records.services import add_appraisal, local_year
from tests.conftest import login
from tests.factories import create_account, create_bank, create_course, create_person, create_quiz
from tests.unit.records.records_data import complete_course

LINK = '=HYPERLINK("http://evil.example/x","点我")'
HOSTILE = {
    "=": LINK,
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}
QUESTION = "=1+1"


def test_every_trigger_is_neutralised_and_numbers_stay_numbers():
    assert set(FORMULA_TRIGGERS) == set(HOSTILE)
    for text in HOSTILE.values():
        assert is_formula_like(text) and csv_text(text) == "'" + text
    for harmless in ("张三", "1+1", " =1", "", "a=b"):
        assert csv_text(harmless) == harmless
    for number in (-2, -2.5, 0, 3):
        assert csv_text(number) == number and not is_formula_like(number)


def _xlsx_cells(data: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_xlsx_safe(data: bytes, expected_texts) -> list:
    cells = _xlsx_cells(data)
    formulas = [cell.value for cell in cells if cell.data_type == "f"]
    assert formulas == [], formulas
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    missing = [text for text in expected_texts if text not in texts]
    assert missing == [], missing
    for cell in cells:
        if is_formula_like(cell.value):
            assert cell.data_type == "s" and cell.quotePrefix, cell.value
    return cells


def _csv_cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) for cell in row}


def _assert_csv_safe(text: str, expected_texts) -> None:
    cells = _csv_cells(text)
    live = [cell for cell in cells if is_formula_like(cell)]
    assert live == [], live
    missing = [value for value in expected_texts if "'" + value not in cells]
    assert missing == [], missing


def test_both_xlsx_writers_keep_numbers_numbers(tmp_path):
    path = tmp_path / "s.xlsx"
    with path.open("wb") as out, StreamingXlsxWriter(out) as book:
        book.write_sheet("S", ["a", "b"], [[LINK, -2], ["\r=1+1", -0.5]])
    cells = _assert_xlsx_safe(path.read_bytes(), [LINK, "\r=1+1"])
    assert [cell.value for cell in cells if cell.data_type == "n"] == [-2, -0.5]
    workbook = openpyxl.Workbook(write_only=True)
    append_row(workbook.create_sheet("S"), [LINK, -2, None, "-"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells = _assert_xlsx_safe(buffer.getvalue(), [LINK, "-"])
    assert [cell.value for cell in cells if cell.data_type == "n" and cell.value is not None] == [-2]


@pytest.fixture
def hostile(world):
    """People named with every trigger in branch A1 (whose name is hostile too), each with a
    course completed, an appraisal recorded by '@recorder', and a submitted quiz attempt."""
    world.branch_a1.name = "=甲一村党支部"
    people = [create_person(world.branch_a1, name, phone=f"1370000000{number}")
              for number, name in enumerate(HOSTILE.values())]
    recorder = create_account("@recorder", Role.ORGANISER, world.township_a)
    course = create_course(world.county, QUESTION, lessons=1, publish_to=[world.county])
    bank = create_bank(world.county, name="危险题库", gift=f"::t:: \\{QUESTION} {{T}}\n")
    quiz = create_quiz(create_course(world.county, "测验课", publish_to=[world.county]),
                       questions=quiz_services_questions(bank), pass_mark=60)
    year = local_year(utcnow())
    for person in people:
        complete_course(person, course)
        add_appraisal(person, year=year, by=recorder, review="-1+1 评议")
        attempt = quiz_services.start_attempt(quiz, person, account=world.accounts["admin"])
        quiz_services.submit_attempt(attempt, None, {})
    db.session.commit()
    return {"people": people, "bank": bank, "quiz": quiz, "year": year}


def quiz_services_questions(bank):
    from tests.factories import bank_questions

    questions = bank_questions(bank)
    assert [question.current_version.text for question in questions] == [QUESTION]
    return questions


def test_records_exports(client, world, hostile):
    login(client, "org-a")
    base = f"/records/units/{world.township_a.id}/export"
    expected = [*HOSTILE.values(), "=甲一村党支部", QUESTION, "@recorder", "-1+1 评议"]
    response = client.get(f"{base}.csv?year={hostile['year']}")
    assert response.status_code == 200
    _assert_csv_safe(response.get_data(as_text=True), expected)
    with client.get(f"{base}.xlsx?year={hostile['year']}") as response:
        assert response.status_code == 200
        data = response.data
    _assert_xlsx_safe(data, expected)


def test_quiz_results_exports(client, world, hostile):
    login(client, "trainer")
    expected = [*HOSTILE.values(), "=甲一村党支部"]
    response = client.get(f"/quiz/manage/{hostile['quiz'].id}/results.csv")
    assert response.status_code == 200
    _assert_csv_safe(response.get_data(as_text=True), expected)
    response = client.get(f"/quiz/manage/{hostile['quiz'].id}/results.xlsx")
    assert response.status_code == 200
    cells = _assert_xlsx_safe(response.data, expected)
    assert any(cell.data_type == "n" and cell.value == 0 for cell in cells)  # scores stay numbers


def test_question_bank_export_and_templates(app, client, world, hostile):
    login(client, "trainer")
    response = client.get(f"/quiz/banks/{hostile['bank'].id}/export/xlsx")
    assert response.status_code == 200
    _assert_xlsx_safe(response.data, [QUESTION])
    response = client.get("/quiz/template.xlsx")
    assert response.status_code == 200
    _assert_xlsx_safe(response.data, [])
    from app.org.roster import build_template

    _assert_xlsx_safe(build_template("+15012110100"), ["+15012110100"])
    client = app.test_client()
    login(client, "org-a")
    response = client.get("/people/import/template.xlsx")
    assert response.status_code == 200
    _assert_xlsx_safe(response.data, [])


def test_activation_slips_csv(app, world, hostile, tmp_path):
    out = tmp_path / "slips.csv"
    result = app.test_cli_runner().invoke(args=["members", "slips", "--unit", "TA1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _assert_csv_safe(out.read_bytes().decode("utf-8"), [*HOSTILE.values(), "=甲一村党支部"])


def test_records_cli_export(app, world, hostile, tmp_path):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"records.{fmt}"
        result = app.test_cli_runner().invoke(args=["records", "export", "--unit", "TA", "--year",
                                                    str(hostile["year"]), "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        if fmt == "csv":
            _assert_csv_safe(out.read_bytes().decode("utf-8"), HOSTILE.values())
        else:
            _assert_xlsx_safe(out.read_bytes(), HOSTILE.values())
