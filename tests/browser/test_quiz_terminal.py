"""Journey 2 step 4: on the branch terminal a member takes the quiz, one question per screen,
with the keyboard only (name chosen from the list, PIN typed, number keys answer, Enter goes on),
and sees the result with the explanations. In a group session the people signed in at roll call
take it in turn, with no PIN; between them each sees only their own score, and the answers show
when the secretary chooses to show them after the last one."""
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.org.services import set_pin
from app.quiz.models import Attempt
from app.study.sessions import services as sessions
from app.study.sessions.models import AttendanceSource
from tests.factories import bank_questions, create_bank, create_course, create_quiz
from tests.unit.study.test_sessions import build_session

GIFT = """::q1:: 马铃薯晚疫病由什么引起？ {~细菌 =真菌 ~病毒 ####晚疫病是一种真菌病害。}

::q2:: 晚疫病在低温高湿条件下容易流行。 {T ####低温高湿利于病菌繁殖。}

::q3:: 下列哪些是防治措施？ {~%50%选用抗病品种 ~%50%喷施保护性药剂 ~%-100%大水漫灌 ####要选抗病品种并及时喷药。}
"""


def keys_ready(page):
    """keys.js is deferred: wait until it has bound the keys on this page."""
    expect(page.locator("form[data-keys-ready]")).to_have_count(1)


def test_member_passes_the_quiz_on_the_terminal_with_the_keyboard(world, live_server, page):
    course = create_course(world.county, title="马铃薯晚疫病防治", publish_to=[world.county])
    quiz = create_quiz(course, questions=bank_questions(create_bank(world.county, gift=GIFT)), pass_mark=60)
    set_pin(world.accounts["member_a1"], "2468")
    db.session.commit()

    page.goto(live_server.url("/login"))
    page.fill("input[name=identifier]", "tv-a1")
    page.fill("input[name=password]", "secret-pass")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(live_server.url(f"/quiz/{quiz.id}"))

    # the member's name is preselected (the only one with a PIN); Tab to the PIN, type it, Enter
    expect(page.locator("select[name=person]")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("2468")
    page.keyboard.press("Enter")

    expect(page.locator("#quiz-position")).to_contain_text("1")
    expect(page.locator("#quiz-who")).to_have_text("张甲一")
    keys_ready(page)
    page.keyboard.press("2")  # 真菌
    expect(page.locator("input[name=q1][value='2']")).to_be_checked()
    page.keyboard.press("Enter")

    expect(page.locator("#quiz-position")).to_contain_text("2")
    keys_ready(page)
    page.keyboard.press("1")  # true
    page.keyboard.press("Enter")

    expect(page.locator("#quiz-position")).to_contain_text("3")
    keys_ready(page)
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("3")
    page.keyboard.press("3")  # pressed twice: unticked again
    expect(page.locator("input[name=q3][value='3']")).not_to_be_checked()
    page.keyboard.press("Enter")

    expect(page.locator("#answered-count")).to_contain_text("3")
    keys_ready(page)
    page.keyboard.press("Enter")  # submit

    expect(page.locator("#result-score")).to_have_text("100%")
    expect(page.locator("#result-status .mark-right")).to_be_visible()  # passed
    expect(page.locator(".quiz-explanation").first).to_contain_text("晚疫病是一种真菌病害。")
    expect(page.locator("#next-member")).to_be_visible()


def answer_all_right_with_the_keyboard(page):
    """The three questions of GIFT, answered right with number keys, then submitted with Enter."""
    keys_ready(page)
    page.keyboard.press("2")  # 真菌
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-position")).to_contain_text("2")
    keys_ready(page)
    page.keyboard.press("1")  # true
    page.keyboard.press("Enter")
    expect(page.locator("#quiz-position")).to_contain_text("3")
    keys_ready(page)
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(page.locator("#answered-count")).to_contain_text("3")
    keys_ready(page)
    page.keyboard.press("Enter")  # submit
    expect(page.locator("#result-score")).to_have_text("100%")


def test_people_signed_in_to_the_session_take_the_quiz_in_turn_with_the_keyboard(world, live_server, page):
    """Group-session mode: the session is open and two members were ticked at roll call; on the
    quiz page the TV lists just them, each starts with Enter (no PIN), and after each result
    "下一位" brings back the list with who has taken it marked."""
    session, people = build_session(world, members=2, starts_in=timedelta(minutes=-5))
    quiz = create_quiz(session.course, questions=bank_questions(create_bank(world.county, gift=GIFT)), pass_mark=60)
    secretary = world.accounts["secretary_a1"]
    sessions.open_session(session, by=secretary)
    first, second, not_ticked = people
    for person in (first, second):
        sessions.sign_in(session, person.id, source=AttendanceSource.TICK, by=secretary)
    db.session.commit()

    page.goto(live_server.url("/login"))
    page.fill("input[name=identifier]", "tv-a1")
    page.fill("input[name=password]", "secret-pass")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(live_server.url(f"/quiz/{quiz.id}"))

    takers = page.locator("#session-takers button")
    expect(takers).to_have_count(2)
    expect(page.locator("#session-takers")).not_to_contain_text(not_ticked.name)
    expect(page.locator("input[name=pin]")).to_have_count(0)
    names = [name.strip() for name in page.locator("#session-takers .taker-name").all_inner_texts()]
    assert sorted(names) == sorted([first.name, second.name])

    page.wait_for_load_state("load")
    expect(takers.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")  # arrows move between the names...
    expect(takers.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(takers.nth(0)).to_be_focused()
    page.keyboard.press("Enter")  # ...and Enter starts the focused one, no PIN
    expect(page.locator("#quiz-who")).to_have_text(names[0])
    answer_all_right_with_the_keyboard(page)
    # the room sees the TV: only this taker's own score, no answer key for the next one to read
    expect(page.locator("#result-status .mark-right")).to_have_text("已通过")
    expect(page.locator("#quiz-result")).to_contain_text(names[0])
    expect(page.locator("#answers-later")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("正确答案")
    expect(page.locator(".quiz-explanation")).to_have_count(0)
    expect(page.locator("#next-member")).to_be_focused()
    page.keyboard.press("Enter")  # 下一位

    expect(page.locator("#show-answers")).to_have_count(0)  # not before the last one
    expect(page.locator("#session-takers button.is-done")).to_have_count(1)
    expect(page.locator("#session-takers button.is-done .taker-name")).to_have_text(names[0])
    page.wait_for_load_state("load")
    expect(takers.nth(1)).to_be_focused()  # the next one who has not taken it yet
    page.keyboard.press("2")  # the number key starts the second name
    expect(page.locator("#quiz-who")).to_have_text(names[1])
    answer_all_right_with_the_keyboard(page)
    expect(page.locator("#next-member")).to_be_focused()  # the result page is there before Enter
    page.keyboard.press("Enter")  # 下一位

    expect(page.locator("#session-takers button.is-done")).to_have_count(2)
    expect(page.locator("body")).not_to_contain_text("正确答案")
    # after the last taker the secretary chooses to show the answers: focused, Enter shows them
    page.wait_for_load_state("load")
    expect(page.locator("#show-answers")).to_be_focused()
    page.keyboard.press("Enter")
    answers = page.locator("#session-answers")
    expect(answers.locator(".right-answer").first).to_contain_text("真菌")
    expect(answers.locator(".quiz-explanation").first).to_contain_text("晚疫病是一种真菌病害。")
    expect(answers).not_to_contain_text(names[0])
    page.keyboard.press("Escape")  # back to the quiz
    expect(page.locator("#session-takers")).to_be_visible()
    attempts = db.session.scalars(select(Attempt).order_by(Attempt.id)).all()
    assert [attempt.person.name for attempt in attempts] == names
    assert all(attempt.passed and attempt.terminal_account_id == world.accounts["terminal_a1"].id
               for attempt in attempts)
