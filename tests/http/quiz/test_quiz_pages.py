"""Quiz pages: import preview, builder, taking a quiz (no leak, idempotent submit, terminal
group mode), results and exports, scope (404) and roles (403)."""
import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org.services import set_pin
from app.quiz import services
from app.quiz.formats import build_spreadsheet_template
from app.quiz.models import Attempt, AttemptStatus, Quiz
from tests.conftest import csrf_from, csrf_token, login
from tests.factories import bank_questions, create_bank, create_course, create_quiz


@pytest.fixture
def course(world):
    return create_course(world.county, publish_to=[world.county])


@pytest.fixture
def quiz(world, course):
    bank = create_bank(world.county)
    quiz = create_quiz(course, draw=(bank, None, 8), pass_mark=60)
    db.session.commit()
    return quiz


def _xlsx_with_bad_rows() -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(build_spreadsheet_template()))
    sheet = workbook.active
    header_row = next(row[0].row for row in sheet.iter_rows() if any(cell.value == "题型" for cell in row))
    sheet.delete_rows(header_row + 1, sheet.max_row)
    headers = [cell.value for cell in sheet[header_row]]

    def add(**values):
        sheet.append([values.get(header) for header in headers])

    add(题型="单选题", 题目="马铃薯属于？", 选项A="茄科", 选项B="禾本科", 答案="A", 解析="马铃薯是茄科植物。", 分类="农业")
    add(题型="判断题", 题目="晚疫病是真菌病害。", 答案="对")
    add(题型="单选题", 题目="缺答案的题", 选项A="甲", 选项B="乙")
    add(题型="多选题", 题目="答案指向空选项", 选项A="甲", 选项B="乙", 答案="AD")
    add(题型="填空题", 题目="小麦属于___科。", 答案="禾本|禾本科")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- banks and import ---------------------------------------------------------------------------

def test_trainer_imports_excel_with_bad_rows_after_a_preview(client, world):
    bank = services.create_bank(name="党员题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/banks/{bank.id}/import"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "file": (io.BytesIO(_xlsx_with_bad_rows()), "题库.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="count-questions">3<', html) and re.search(r'id="count-errors">2<', html)
    assert "缺少答案" in html
    errors = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td></tr>", html.split('id="import-errors"')[1].split("</table>")[0])
    assert len(errors) == 2 and all("行" in where or "row" in where for where, _ in errors)
    assert bank_questions(bank) == []  # nothing saved by the preview
    upload = re.search(r'name="upload" type="hidden" value="([^"]+)"', html) or re.search(r'value="([0-9a-f-]{36})"', html)
    confirm = client.post(f"/quiz/banks/{bank.id}/import/confirm",
                          data={"csrf_token": csrf_from(html), "upload": upload.group(1)})
    assert confirm.status_code == 302
    assert [q.type for q in bank_questions(bank)] == ["single", "truefalse", "short"]
    # the upload is gone: confirming twice imports nothing more
    again = client.post(f"/quiz/banks/{bank.id}/import/confirm",
                        data={"csrf_token": csrf_from(html), "upload": upload.group(1)})
    assert again.status_code == 404 and len(bank_questions(bank)) == 3


def test_a_refused_file_shows_the_error_and_offers_no_import(client, world):
    bank = services.create_bank(name="题库", unit=world.county)
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/banks/{bank.id}/import"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "file": (io.BytesIO(b"PK\x03\x04not really a zip" * 50), "x.xlsx")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "import-confirm" not in html and "Excel" in html


def test_bank_exports_and_template(client, world):
    bank = create_bank(world.county)
    db.session.commit()
    login(client, "trainer")
    for format, marker in (("gift", "晚疫病".encode()), ("moodle_xml", b"<quiz>"), ("xlsx", b"PK")):
        response = client.get(f"/quiz/banks/{bank.id}/export/{format}")
        assert response.status_code == 200 and marker in response.data, format
    assert client.get("/quiz/template.xlsx").data.startswith(b"PK")


def test_editing_a_question_on_the_page_makes_a_version(client, world):
    question = bank_questions(create_bank(world.county))[0]
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/questions/{question.id}"
    page = client.get(url).get_data(as_text=True)
    assert "=真菌" in page  # the answers in GIFT syntax
    response = client.post(url, data={"csrf_token": csrf_from(page), "text": "改过的题目", "answers": "{=真菌 ~细菌}",
                                      "explanation": "新解析", "points": "2", "category": "农业", "tags": "新"})
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.current_version.number == 2 and question.current_version.points == 2.0


ROLE_MATRIX = [("member_a1", 403), ("terminal_a1", 403), ("organiser_b", 404), ("organiser_a", 404),
               ("county_organiser", 200), ("trainer", 200), ("admin", 200)]


@pytest.mark.parametrize("account_key, status", ROLE_MATRIX)
def test_bank_page_access(client, world, account_key, status):
    bank = create_bank(world.county, gift=None)
    db.session.commit()
    login(client, world.accounts[account_key].username)
    assert client.get(f"/quiz/banks/{bank.id}").status_code == status


def test_other_townships_bank_is_not_found(client, world):
    bank_b = create_bank(world.township_b, gift=None)
    bank_a = create_bank(world.township_a, gift=None)
    db.session.commit()
    login(client, "org-a")
    assert client.get(f"/quiz/banks/{bank_b.id}").status_code == 404
    assert client.get(f"/quiz/banks/{bank_a.id}").status_code == 200
    listing = client.get("/quiz/banks").get_data(as_text=True)
    assert bank_a.name in listing and bank_b.name not in listing


def test_anonymous_is_sent_to_login(client, world, quiz):
    assert client.get("/quiz/banks").status_code == 302
    assert client.get(f"/quiz/{quiz.id}").status_code == 302


# --- builder ------------------------------------------------------------------------------------

def test_trainer_builds_a_quiz_with_a_random_draw(client, world, course):
    bank = create_bank(world.county)
    from tests.factories import create_lesson

    lesson = create_lesson(course, type="quiz", title="课后测验")
    db.session.commit()
    login(client, "trainer")
    url = f"/quiz/courses/{course.id}/new?lesson={lesson.id}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(page), "title": "课后测验", "pass_mark": "60",
                                      "score_policy": "best", "show_explanations": "y"})
    assert response.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.lesson_id == lesson.id))
    manage = client.get(f"/quiz/manage/{quiz.id}").get_data(as_text=True)
    category_id = next(c.id for c in bank.categories if c.path == "农业/马铃薯")
    response = client.post(f"/quiz/manage/{quiz.id}/draws", data={
        "csrf_token": csrf_from(manage), "source": f"category:{category_id}", "count": "5"})
    assert response.status_code == 302
    db.session.refresh(quiz)
    assert [(s.category_id, s.draw_count) for s in quiz.slots] == [(category_id, 5)]
    # the lesson page (catalog) shows the quiz and a start link
    lesson_page = client.get(f"/courses/{course.id}/lessons/{lesson.id}").get_data(as_text=True)
    assert f"/quiz/{quiz.id}" in lesson_page


# --- taking a quiz ------------------------------------------------------------------------------

LEAK_MARKERS = ["fraction", "correct", "晚疫病是一种真菌病害", "挤奶前必须清洗消毒", "低温高湿利于病菌繁殖",
                "#对", "#错", "right-answer", "mark-right", "解析", "Explanation"]


def _start(client, quiz, layout="all"):
    page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
    response = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "layout": layout})
    assert response.status_code == 302
    return response.headers["Location"]


def test_quiz_pages_leak_no_correctness_data_before_submission(client, world, quiz):
    login(client, "member-a1")
    pages = [client.get(f"/quiz/{quiz.id}").get_data(as_text=True)]
    location = _start(client, quiz)
    pages.append(client.get(location).get_data(as_text=True))
    attempt = db.session.scalar(select(Attempt))
    for position in range(1, 9):
        pages.append(client.get(f"/quiz/attempts/{attempt.id}/q/{position}").get_data(as_text=True))
    pages.append(client.get(f"/quiz/attempts/{attempt.id}/finish").get_data(as_text=True))
    for html in pages:
        assert "马铃薯" in html or "测验" in html
        for marker in LEAK_MARKERS:
            assert marker not in html, marker
        # option values are display positions 1..n, and the options are all there
    assert "真菌" in pages[1] and "清洗消毒乳房" in pages[1]
    result = client.post(f"/quiz/attempts/{attempt.id}/submit",
                         data={"csrf_token": csrf_from(pages[1]), "layout": "all"})
    after = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "晚疫病是一种真菌病害" in after and "right-answer" in after  # revealed after submission


def test_submitting_twice_grades_once_and_shows_the_stored_result(client, world, quiz):
    login(client, "member-a1")
    html = client.get(_start(client, quiz)).get_data(as_text=True)
    attempt = db.session.scalar(select(Attempt))
    token = csrf_from(html)
    first = client.post(f"/quiz/attempts/{attempt.id}/submit", data={"csrf_token": token, "layout": "all"})
    answers = {"csrf_token": token, "layout": "all", **{f"q{n}": "1" for n in range(1, 9)}}
    second = client.post(f"/quiz/attempts/{attempt.id}/submit", data=answers)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    db.session.refresh(attempt)
    assert attempt.score == 0.0 and all(q.response is None for q in attempt.questions)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_member_passes_one_question_per_page(client, world, quiz):
    login(client, "member-a1")
    location = _start(client, quiz, layout="paged")
    assert location.endswith("/q/1")
    attempt = db.session.scalar(select(Attempt))
    for question in attempt.questions:
        page = client.get(f"/quiz/attempts/{attempt.id}/q/{question.position}").get_data(as_text=True)
        data = {"csrf_token": csrf_from(page), "go": "next", **_right_form_answer(question)}
        response = client.post(f"/quiz/attempts/{attempt.id}/q/{question.position}", data=data)
        assert response.status_code == 302
    assert response.headers["Location"].endswith("/finish")
    finish = client.get(f"/quiz/attempts/{attempt.id}/finish").get_data(as_text=True)
    assert "8" in finish
    client.post(f"/quiz/attempts/{attempt.id}/submit", data={"csrf_token": csrf_from(finish)})
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.percent == 100.0 and attempt.passed


def _right_form_answer(question) -> dict:
    """The form fields a learner who knows the answers would send (display positions)."""
    content, kind, order = question.version.content, question.version.type, question.order
    name = f"q{question.position}"
    if kind == "single":
        best = max(range(len(content["options"])), key=lambda i: content["options"][i]["fraction"])
        return {name: str(order.index(best) + 1)}
    if kind == "multiple":
        return {name: [str(order.index(i) + 1) for i, o in enumerate(content["options"]) if o["fraction"] > 0]}
    if kind == "truefalse":
        return {name: "true" if content["answer"] else "false"}
    if kind in ("short", "numeric"):
        answer = content["answers"][0]
        return {name: answer["text"] if kind == "short" else f"{answer['value']:g}"}
    if kind == "matching":
        choices = []
        for pair in content["pairs"]:
            if pair["right"] not in choices:
                choices.append(pair["right"])
        return {f"{name}_{i}": str(order.index(choices.index(pair["right"])) + 1)
                for i, pair in enumerate(content["pairs"]) if pair["left"]}
    return {}


def test_someone_elses_attempt_is_not_found(client, world, quiz):
    other = world.person_b1
    attempt = services.start_attempt(quiz, other, account=world.accounts["admin"])
    db.session.commit()
    login(client, "member-a1")
    assert client.get(f"/quiz/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/quiz/attempts/{attempt.id}/result").status_code == 404


def test_a_quiz_of_an_unpublished_course_is_not_found_for_members(client, world):
    draft = create_course(world.county)
    quiz = create_quiz(draft, questions=bank_questions(create_bank(world.county))[:1])
    db.session.commit()
    login(client, "member-a1")
    assert client.get(f"/quiz/{quiz.id}").status_code == 404


def test_terminal_starts_an_attempt_for_a_member_with_their_pin(client, world, quiz):
    set_pin(world.accounts["member_a1"], "2468")
    db.session.commit()
    login(client, "tv-a1")
    page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
    assert "张甲一" in page and "李乙一" not in page  # only people of the terminal's branch
    wrong = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "person": world.person_a1.id,
                                                         "pin": "1111"})
    assert wrong.status_code == 302 and db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    outsider = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page),
                                                            "person": world.person_b1.id, "pin": "2468"})
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0 and outsider.status_code in (302, 404)
    right = client.post(f"/quiz/{quiz.id}/start", data={"csrf_token": csrf_from(page), "person": world.person_a1.id,
                                                         "pin": "2468"})
    assert right.headers["Location"].endswith("/q/1")
    attempt = db.session.scalar(select(Attempt))
    assert attempt.person_id == world.person_a1.id
    assert attempt.terminal_account_id == world.accounts["terminal_a1"].id
    assert attempt.started_by_id == world.accounts["terminal_a1"].id


def test_wrong_pins_on_the_terminal_quiz_count_towards_the_persons_lock(client, world, quiz):
    """The lock is the person's, wherever the PIN is typed: 5 wrong ones on the quiz page lock
    the quiz start and the roll-call PIN alike."""
    set_pin(world.accounts["member_a1"], "2468")
    db.session.commit()
    login(client, "tv-a1")
    page = client.get(f"/quiz/{quiz.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "person": world.person_a1.id, "pin": "1111"}
    for tries_left in (4, 3, 2, 1):
        html = client.post(f"/quiz/{quiz.id}/start", data=data, follow_redirects=True).get_data(as_text=True)
        assert f"还可以再试 {tries_left} 次" in html
    html = client.post(f"/quiz/{quiz.id}/start", data=data, follow_redirects=True).get_data(as_text=True)
    assert "已锁定到" in html
    html = client.post(f"/quiz/{quiz.id}/start", data=dict(data, pin="2468"), follow_redirects=True).get_data(as_text=True)
    assert "已锁定到" in html and db.session.scalar(select(func.count()).select_from(Attempt)) == 0
    from app.org.services import pin_locked_until
    assert pin_locked_until(world.accounts["member_a1"]) is not None


# --- results ------------------------------------------------------------------------------------

def _two_attempts(world, quiz):
    from tests.factories import create_account, create_person
    from app.org.choices import Role

    good = services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    from tests.unit.quiz.test_services import _answer_all_correctly

    services.submit_attempt(good, None, _answer_all_correctly(good))
    weak_person = create_person(world.branch_b1, "王乙二")
    create_account("member-b1", Role.MEMBER, world.branch_b1, person=weak_person)
    weak = services.start_attempt(quiz, weak_person, account=world.accounts["admin"])
    services.submit_attempt(weak, None, {})
    db.session.commit()
    return good, weak


def test_results_show_pass_rate_items_and_units_scoped(app, client, world, quiz):
    good, weak = _two_attempts(world, quiz)
    login(client, "trainer")
    html = client.get(f"/quiz/manage/{quiz.id}/results").get_data(as_text=True)
    assert re.search(r'id="results-people">2<', html) and re.search(r'id="results-passed">1<', html)
    assert "甲一村党支部" in html and "乙一村党支部" in html
    # Wording: 已通过 / 未通过, never the question 是否通过 as a count's label.
    attempts = html.split('id="attempt-list"')[1].split("</table>")[0]
    assert "是否通过" not in html and "✔ 已通过" in attempts and "✘ 未通过" in attempts
    items = html.split('id="item-analysis"')[1].split("</table>")[0]
    assert items.count("<tr>") == 9  # header + 8 questions
    assert "1.00" in items  # the strong learner got every question, the weak one none
    client = app.test_client()
    login(client, "org-a")  # sees the county's course as a learner would, only township A's people
    scoped_html = client.get(f"/quiz/manage/{quiz.id}/results").get_data(as_text=True)
    assert re.search(r'id="results-people">1<', scoped_html) and "乙一村党支部" not in scoped_html
    assert client.get(f"/quiz/review/{weak.id}").status_code == 404
    assert client.get(f"/quiz/review/{good.id}").status_code == 200


def test_results_of_another_townships_quiz_are_not_found(app, client, world):
    course_b = create_course(world.township_b, publish_to=[world.township_b])
    quiz_b = create_quiz(course_b, questions=bank_questions(create_bank(world.township_b))[:1])
    db.session.commit()
    login(client, "org-a")
    assert client.get(f"/quiz/manage/{quiz_b.id}/results").status_code == 404
    assert client.get(f"/quiz/manage/{quiz_b.id}").status_code == 404
    client = app.test_client()
    login(client, "member-a1")
    assert client.get(f"/quiz/manage/{quiz_b.id}/results").status_code == 403


def test_results_export_csv_and_xlsx(client, world, quiz):
    _two_attempts(world, quiz)
    login(client, "trainer")
    response = client.get(f"/quiz/manage/{quiz.id}/results.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and {rows[1][1], rows[2][1]} == {"张甲一", "王乙二"}
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/quiz/manage/{quiz.id}/results.xlsx").data))
    assert workbook.active.max_row == 3
