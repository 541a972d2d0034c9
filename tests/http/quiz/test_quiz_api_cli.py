"""`lms quiz import` and the question-bank / results API."""
import io
import json

from sqlalchemy import select

from app.api.services import create_token
from app.extensions import db
from app.quiz import services
from app.quiz.models import QuestionBank
from tests.factories import QUIZ_GIFT, bank_questions, create_bank, create_course, create_quiz


def _bearer(world, key):
    _token, plaintext = create_token(world.accounts[key], "t")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_cli_import_json_dry_run_and_refusal(app, world, tmp_path):
    good = tmp_path / "bank.gift"
    good.write_text(QUIZ_GIFT, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["quiz", "import", str(good), "--bank", "党课", "--dry-run", "--json"])
    assert dry.exit_code == 0
    report = json.loads(dry.stdout)
    assert len(report["questions"]) == 8 and report["errors"] == []
    assert db.session.scalar(select(QuestionBank)) is None
    real = runner.invoke(args=["quiz", "import", str(good), "--bank", "党课", "--unit", "C1"])
    assert real.exit_code == 0, real.output
    bank = db.session.scalar(select(QuestionBank))
    assert bank.name == "党课" and bank.unit_id == world.county.id and len(bank_questions(bank)) == 8
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refused = runner.invoke(args=["quiz", "import", str(bad), "--bank", "其他", "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["errors"][0]["location"] == "file"
    assert db.session.scalar(select(QuestionBank).where(QuestionBank.name == "其他")) is None


def test_api_banks_are_scoped(client, world):
    bank_a = create_bank(world.township_a, gift=None)
    bank_b = create_bank(world.township_b, gift=None)
    db.session.commit()
    headers = _bearer(world, "organiser_a")
    listing = client.get("/api/v1/question-banks", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [bank_a.id]
    assert client.get(f"/api/v1/question-banks/{bank_b.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/question-banks", headers=_bearer(world, "member_a1")).status_code == 403
    assert client.get("/api/v1/question-banks").status_code == 401


def test_api_create_and_import_returns_the_report(client, world):
    headers = _bearer(world, "trainer")
    created = client.post("/api/v1/question-banks", json={"name": "API 题库"}, headers=headers)
    assert created.status_code == 201
    bank_id = created.get_json()["id"]
    dry = client.post(f"/api/v1/question-banks/{bank_id}/import?dry_run=1", headers=headers,
                      data={"file": (io.BytesIO(QUIZ_GIFT.encode()), "bank.gift")}, content_type="multipart/form-data")
    assert dry.status_code == 200 and len(dry.get_json()["questions"]) == 8
    real = client.post(f"/api/v1/question-banks/{bank_id}/import", headers=headers,
                       data={"file": (io.BytesIO(QUIZ_GIFT.encode()), "bank.gift")}, content_type="multipart/form-data")
    assert real.status_code == 201 and real.get_json() == dry.get_json()
    detail = client.get(f"/api/v1/question-banks/{bank_id}", headers=headers).get_json()
    assert len(detail["questions"]) == 8 and detail["questions"][0]["feedback"] == "晚疫病是一种真菌病害。"
    refused = client.post(f"/api/v1/question-banks/{bank_id}/import", headers=headers,
                          data={"file": (io.BytesIO(b"\x00\x01\x02"), "x.bin")}, content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.get_json()["questions"] == []


def test_api_results_scoped(client, world):
    course = create_course(world.county, publish_to=[world.county])
    quiz = create_quiz(course, questions=bank_questions(create_bank(world.county))[:1])
    attempt = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    services.submit_attempt(attempt, world.accounts["member_a1"], {1: 0})
    course_b = create_course(world.township_b, publish_to=[world.township_b])
    quiz_b = create_quiz(course_b, questions=bank_questions(create_bank(world.township_b))[:1])
    db.session.commit()
    body = client.get(f"/api/v1/quizzes/{quiz.id}/results", headers=_bearer(world, "trainer")).get_json()
    assert body["people"] == 1 and body["passed"] == 1 and body["questions"][0]["correct_rate"] == 1.0
    assert client.get(f"/api/v1/quizzes/{quiz_b.id}/results", headers=_bearer(world, "organiser_a")).status_code == 404
