"""Every CSV and XLSX export downloaded from the real server (`lms serve`, waitress, a child
process), logged in, as a browser would: 200, the right content, and nothing in the log.

The test client keeps an app context around each request, which hid that the streamed CSVs
answered 500 on the real server (the request's commit expired the account, and translating
the header inside the streamed body asked the detached account for its locale).
"""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.core.model_base import utcnow
from app.extensions import db
from app.quiz import services as quiz_services
from app.records.models import DevelopmentEntry
from app.records.services import add_appraisal, local_year
from tests.factories import create_bank, create_course, create_person, create_quiz
from tests.served import lms_serve
from tests.unit.records.records_data import complete_course

pytestmark = pytest.mark.slow

APPRAISALS_PER_PERSON = 130  # four people: more than one streamed chunk of 500 rows


@pytest.fixture
def filled(world):
    people = [world.person_a1] + [create_person(world.branch_a1, f"成员{number}") for number in range(1, 4)]
    course = create_course(world.county, "马铃薯晚疫病防治", lessons=1, publish_to=[world.county])
    bank = create_bank(world.county, name="党员题库")
    quiz = create_quiz(create_course(world.county, "测验课", publish_to=[world.county]), draw=(bank, None, 8),
                       pass_mark=60)
    year = local_year(utcnow())
    organiser = world.accounts["organiser_a"]
    for person in people:
        complete_course(person, course)
        for number in range(APPRAISALS_PER_PERSON):
            add_appraisal(person, year=year, by=organiser, review=f"评议{number}")
        attempt = quiz_services.start_attempt(quiz, person, account=world.accounts["admin"])
        quiz_services.submit_attempt(attempt, None, {})
    world.accounts["trainer"].locale = "en"  # the CSV header follows the account's language
    db.session.commit()
    entries = db.session.scalar(select(func.count()).select_from(DevelopmentEntry))
    assert entries > 500
    return {"quiz": quiz, "bank": bank, "year": year, "people": people, "entries": entries}


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def _workbook(response):
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_every_export_downloads_through_the_real_server(world, filled, migrated_database, tmp_path):
    township, year, quiz, bank = world.township_a.id, filled["year"], filled["quiz"], filled["bank"]
    with lms_serve(migrated_database, tmp_path) as server:
        organiser = server.login("org-a")
        trainer = server.login("trainer")
        for _round in range(2):  # the second time too: nothing is left broken by the first
            response = organiser.get(server.url(f"/records/units/{township}/export.csv?year={year}"), timeout=60)
            assert response.status_code == 200, response.text[:500]
            assert "attachment" in response.headers["Content-Disposition"]
            rows = _csv_rows(response)
            assert rows[0][:2] == ["条目", "姓名"]
            assert len(rows) == 1 + filled["entries"]
            assert {row[1] for row in rows[1:]} == {person.name for person in filled["people"]}

        response = organiser.get(server.url(f"/records/units/{township}/export.xlsx?year={year}"), timeout=60)
        assert response.status_code == 200
        summary, entries = _workbook(response).worksheets
        assert entries.max_row == 1 + filled["entries"] and summary.max_row == 1 + 4

        response = trainer.get(server.url(f"/quiz/manage/{quiz.id}/results.csv"), timeout=60)
        assert response.status_code == 200, response.text[:500]
        rows = _csv_rows(response)
        assert rows[0][:2] == ["Attempt", "Full name"]  # the trainer's own language, read before streaming
        assert sorted(row[1] for row in rows[1:]) == sorted(person.name for person in filled["people"])

        response = trainer.get(server.url(f"/quiz/manage/{quiz.id}/results.xlsx"), timeout=60)
        assert response.status_code == 200
        assert _workbook(response).active.max_row == 1 + 4

        response = trainer.get(server.url(f"/quiz/banks/{bank.id}/export/xlsx"), timeout=60)
        assert response.status_code == 200
        assert _workbook(response).active.max_row == 1 + 6  # the bank's template-able questions

        response = trainer.get(server.url("/quiz/template.xlsx"), timeout=60)
        assert response.status_code == 200 and _workbook(response).active.max_row == 1 + 5

        response = organiser.get(server.url("/people/import/template.xlsx"), timeout=60)
        assert response.status_code == 200 and _workbook(response).worksheets[0].max_row == 2
        log = server.log()
    assert "Traceback" not in log and "ERROR" not in log, log
