"""A cloze question on the branch TV, answered with the keyboard only: the first blank has the
focus, text blanks are typed, Tab goes to the next blank, number keys choose in a choice blank
(a drop-down or buttons) and tick or untick in a multiple-response blank, Enter goes on; the
result shows each blank's score and feedback."""
from playwright.sync_api import expect

from app.extensions import db
from app.org.services import set_pin
from app.quiz import services
from tests.factories import bank_questions, create_course, create_quiz

XML = """<quiz><question type="cloze"><name><text>一大</text></name>
<questiontext format="html"><text><![CDATA[<p>中共一大在{1:SHORTANSWER:=上海#对，在上海~*#再想想}召开，出席代表{2:NUMERICAL:=13#正确}人，
会址在{1:MULTICHOICE:北京大学~=望志路 106 号#对}，会议最后在{1:MULTICHOICE_H:南湖以外~=嘉兴南湖#对，在游船上}闭幕。</p>]]></text>
</questiontext></question></quiz>"""


def test_member_fills_the_blanks_on_the_tv_with_the_keyboard(world, live_server, page):
    course = create_course(world.county, title="党史", publish_to=[world.county])
    bank = services.create_bank(name="完形题库", unit=world.county)
    services.import_bank_file(bank, XML.encode())
    quiz = create_quiz(course, questions=bank_questions(bank), pass_mark=60)
    set_pin(world.accounts["member_a1"], "2468")
    db.session.commit()

    page.goto(live_server.url("/login"))
    page.fill("input[name=identifier]", "tv-a1")
    page.fill("input[name=password]", "secret-pass")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(live_server.url(f"/quiz/{quiz.id}"))
    page.keyboard.press("Tab")
    page.keyboard.type("2468")
    page.keyboard.press("Enter")

    expect(page.locator("form[data-keys-ready]")).to_have_count(1)
    first = page.locator("input[name=q1_0]")
    expect(first).to_be_focused()
    page.keyboard.type("嘉兴")  # wrong: the catch-all's feedback will say so
    page.keyboard.press("Tab")
    expect(page.locator("input[name=q1_1]")).to_be_focused()
    page.keyboard.type("13")
    page.keyboard.press("Tab")
    select = page.locator("select[name=q1_2]")
    expect(select).to_be_focused()
    page.keyboard.press("2")  # "2. 望志路 106 号"
    expect(select).to_have_value("2")
    page.keyboard.press("Tab")
    page.keyboard.press("2")  # the buttons of the last blank: 2 = 嘉兴南湖
    expect(page.locator("input[name=q1_3][value='2']")).to_be_checked()
    page.keyboard.press("Enter")

    expect(page.locator("#answered-count")).to_contain_text("1")
    expect(page.locator("form[data-keys-ready]")).to_have_count(1)
    page.keyboard.press("Enter")  # submit

    # 2 + 1 + 1 of 5 marks = 80%
    expect(page.locator("#result-score")).to_have_text("80%")
    expect(page.locator("#blank-result-1-1")).to_contain_text("再想想")
    expect(page.locator("#blank-result-1-1")).to_contain_text("上海")  # the right answer
    expect(page.locator("#blank-result-1-2")).to_contain_text("正确")
    expect(page.locator("#blank-result-1-4")).to_contain_text("对，在游船上")


MULTI_XML = """<quiz><question type="cloze"><name><text>三大作风</text></name>
<questiontext format="html"><text><![CDATA[<p>党的三大作风有{2:MULTIRESPONSE_H:=理论联系实际#对~=密切联系群众#对~照本宣科#这不是}。</p>]]></text>
</questiontext></question></quiz>"""


def test_member_ticks_a_multiple_response_blank_on_the_tv_with_number_keys(world, live_server, page):
    course = create_course(world.county, title="党史", publish_to=[world.county])
    bank = services.create_bank(name="多选空格", unit=world.county)
    services.import_bank_file(bank, MULTI_XML.encode())
    quiz = create_quiz(course, questions=bank_questions(bank), pass_mark=60)
    set_pin(world.accounts["member_a1"], "2468")
    db.session.commit()

    page.goto(live_server.url("/login"))
    page.fill("input[name=identifier]", "tv-a1")
    page.fill("input[name=password]", "secret-pass")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(live_server.url(f"/quiz/{quiz.id}"))
    page.keyboard.press("Tab")
    page.keyboard.type("2468")
    page.keyboard.press("Enter")

    expect(page.locator("form[data-keys-ready]")).to_have_count(1)
    expect(page.locator("input[name=q1_0][value='1']")).to_be_focused()  # the blank's first checkbox
    for key in "133":  # tick 1, tick 3, untick 3
        page.keyboard.press(key)
    expect(page.locator("input[name=q1_0][value='3']")).not_to_be_checked()
    page.keyboard.press("3")  # ticked again: a wrong option, it cancels a right one
    page.keyboard.press("2")
    for value in "123":
        expect(page.locator(f"input[name=q1_0][value='{value}']")).to_be_checked()
    page.keyboard.press("3")  # and off again
    expect(page.locator("input[name=q1_0][value='3']")).not_to_be_checked()
    page.keyboard.press("Enter")

    expect(page.locator("#answered-count")).to_contain_text("1")
    expect(page.locator("form[data-keys-ready]")).to_have_count(1)
    page.keyboard.press("Enter")  # submit

    expect(page.locator("#result-score")).to_have_text("100%")
    expect(page.locator("#blank-result-1-1")).to_contain_text("理论联系实际：对")
    expect(page.locator("#blank-result-1-1")).not_to_contain_text("这不是")
