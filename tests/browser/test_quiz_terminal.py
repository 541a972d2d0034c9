"""Journey 2 step 4: on the branch terminal a member takes the quiz, one question per screen,
with the keyboard only (name chosen from the list, PIN typed, number keys answer, Enter goes on),
and sees the result with the explanations."""
from playwright.sync_api import expect

from app.extensions import db
from app.org.services import set_pin
from tests.factories import bank_questions, create_bank, create_course, create_quiz

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
