"""Journey 2 on the activity-room TV, keyboard only: open the session, tick three names,
one PIN sign-in (the name chosen first, so a member who chose the same PIN is not signed in),
play the lesson, close; then the absent member sees the make-up."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.org import services as org_services
from tests.factories import create_account
from tests.unit.study.test_sessions import build_session

pytestmark = pytest.mark.browser


def log_in_with_keyboard(page: Page, username: str) -> None:
    page.goto("/login")
    expect(page.locator("#identifier")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("secret-pass")
    page.keyboard.press("Enter")
    expect(page.locator("form[action='/logout']")).to_have_count(1)


def press(page: Page, key: str) -> None:
    """A key press once the page (and terminal.js, loaded at the end of the body) is ready."""
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def test_group_session_on_the_terminal_with_keyboard_only(world, live_server, new_page):
    session, people = build_session(world, members=4, starts_in=timedelta(minutes=5))
    # The roster is sorted by name: 张甲一, 成员1, 成员2 come first; 成员4 signs in with a PIN and
    # 成员3, who chose the same PIN (and whose account is older), stays away.
    absent = people[3]
    org_services.set_pin(create_account("absent-member", "member", world.branch_a1, person=absent), "2468")
    pin_member = people[4]
    org_services.set_pin(create_account("pin-member", "member", world.branch_a1, person=pin_member), "2468")
    db.session.commit()

    tv = new_page()
    log_in_with_keyboard(tv, "tv-a1")
    today = tv.locator("#today-sessions a").first
    expect(today).to_contain_text("马铃薯晚疫病防治")
    expect(today).to_be_focused()
    press(tv, "Enter")
    expect(tv).to_have_url(live_server.url(f"/terminal/sessions/{session.id}"))
    expect(tv.locator("#session-menu button")).to_be_focused()
    press(tv, "Enter")  # start the session
    expect(tv.locator("#signed-in-count")).to_be_visible()

    press(tv, "1")  # roll call
    expect(tv).to_have_url(re.compile(r"/roster$"))
    boxes = tv.locator("input[name=present]")
    expect(boxes.first).to_be_focused()
    names = tv.locator(".roster-name").all_inner_texts()
    assert pin_member.name not in names[:3] and absent.name not in names[:3], names
    for step in range(3):  # three names in the first row of the grid
        press(tv, "Space")
        if step < 2:
            press(tv, "ArrowRight")
    for index in range(3):
        person_id = boxes.nth(index).get_attribute("value")
        expect(tv.locator(f'[data-status-for="{person_id}"]')).not_to_be_empty()  # autosaved
    press(tv, "Escape")
    expect(tv.locator("#signed-in-count")).to_contain_text("3")

    press(tv, "2")  # PIN sign-in: the name first
    names = tv.locator("#pin-roster a.pin-name")
    expect(names).to_have_count(2)  # the three ticked are signed in already
    expect(names.nth(0)).to_contain_text(absent.name)
    expect(names.nth(0)).to_be_focused()
    press(tv, "ArrowDown")
    expect(names.nth(1)).to_contain_text(pin_member.name)
    expect(names.nth(1)).to_be_focused()
    press(tv, "Enter")
    expect(tv.locator("#pin-who")).to_have_text(pin_member.name)
    expect(tv.locator("#pin")).to_be_focused()
    tv.keyboard.type("2468")  # the PIN 成员3 chose too
    press(tv, "Enter")
    expect(tv.locator(".flash-success")).to_contain_text(f"欢迎您，{pin_member.name}")
    expect(tv.locator(".flash-success")).not_to_contain_text(absent.name)
    # 成员3 is still on the list, not signed in by the other's PIN
    expect(tv.locator("#pin-roster a.pin-name")).to_have_count(1)
    expect(tv.locator("#pin-roster a.pin-name")).to_contain_text(absent.name)
    # the roster number typed with the number keys opens that person's PIN page
    number = tv.locator("#pin-roster a.pin-name .key-hint").inner_text().strip()
    for digit in number:
        press(tv, digit)
    expect(tv.locator("#pin-number")).to_have_value(number)
    press(tv, "Enter")
    expect(tv.locator("#pin-who")).to_have_text(absent.name)
    expect(tv.locator("#pin")).to_be_focused()
    press(tv, "Escape")  # not them: back to the names
    expect(tv.locator("#pin-roster")).to_be_visible()
    press(tv, "Escape")
    expect(tv.locator("#signed-in-count")).to_contain_text("4")

    press(tv, "4")  # play
    expect(tv.locator("#session-lessons a").first).to_be_focused()
    press(tv, "Enter")
    expect(tv).to_have_url(re.compile(r"/terminal/sessions/\d+/lessons/\d+$"))
    tv.go_back()  # the remote's back key
    expect(tv).to_have_url(re.compile(r"/play$"))
    press(tv, "Escape")
    expect(tv).to_have_url(live_server.url(f"/terminal/sessions/{session.id}"))

    press(tv, "6")  # close
    expect(tv.locator("form button.danger")).to_be_focused()
    press(tv, "Enter")
    summary = tv.locator("#session-summary")
    expect(summary).to_contain_text(re.compile(r"4 (present|人出席)"))
    expect(summary).to_contain_text(re.compile(r"1 (absent|人缺席)"))
    expect(summary).to_contain_text("14")

    phone = new_page()
    log_in_with_keyboard(phone, "absent-member")
    phone.goto("/sessions/mine")
    make_up = phone.locator("#make-ups li.make-up-open")
    expect(make_up).to_contain_text("马铃薯晚疫病防治")
    expect(make_up.locator("a").first).to_have_attribute("href", re.compile(r"/courses/\d+/lessons/\d+"))
