"""The TV's lesson page inside a group session: who may open it, and that it carries the session."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import create_account, create_course, create_site
from tests.unit.study.test_sessions import build_session


def _url(session, lesson_id):
    return f"/terminal/sessions/{session.id}/lessons/{lesson_id}"


@pytest.mark.parametrize("username, status", [(None, 302), ("member-a1", 403), ("trainer", 403), ("org-b", 404),
                                              ("sec-a1", 200), ("tv-a1", 200)])
def test_access_matrix(client, world, username, status):
    session, _ = build_session(world)
    if username:
        login(client, username)
    assert client.get(_url(session, session.lessons[0].id)).status_code == status


def test_another_sites_terminal_and_a_lesson_outside_the_session_are_not_found(client, world):
    session, _ = build_session(world)
    other_course = create_course(world.township_a, "别的课", lessons=1, publish_to=[world.township_a])
    create_account("tv-a2", "terminal", world.branch_a2, site=create_site(world.branch_a2, "甲二村活动室"))
    db.session.commit()
    login(client, "tv-a1")
    assert client.get(_url(session, other_course.lessons[0].id)).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tv-a2")
    assert client.get(_url(session, session.lessons[0].id)).status_code == 404


def test_the_page_is_a_tv_page_that_carries_the_session(client, world):
    session, _ = build_session(world, lessons=2)
    login(client, "tv-a1")
    play = client.get(f"/terminal/sessions/{session.id}/play").get_data(as_text=True)
    first, second = session.lessons
    assert f'href="{_url(session, first.id)}"' in play  # not the desktop lesson page
    html = client.get(_url(session, first.id)).get_data(as_text=True)
    assert 'class="terminal"' in html and f'data-session-id="{session.id}"' in html
    assert f'href="{_url(session, second.id)}"' in html and 'data-key="9"' in html  # next lesson by number key
    assert "data-back" in html and "tv_lesson.js" in html and "terminal.js" in html
