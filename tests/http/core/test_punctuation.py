"""Issue 16 point 9: Chinese punctuation. A label and its value are joined by the full-width
colon in Chinese (一个标签：值), never by the ASCII ": " the English template writes."""
from __future__ import annotations

import re

from tests.conftest import login
from tests.factories import create_course

HAN_THEN_ASCII_COLON = re.compile(r"[\u4e00-\u9fff][:](\s|<|$)")


def _visible(html: str) -> str:
    """The page's text with the tags (and their attributes) taken out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_labels_take_the_full_width_colon(app, world):
    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=2, publish_to=[world.township_a])
    first, second = course.lessons
    pages = {"member-a1": [f"/courses/{course.id}/lessons/{first.id}", f"/courses/{course.id}/lessons/{second.id}"],
             "org-a": [f"/records/units/{world.township_a.id}"]}
    for username, paths in pages.items():
        client = app.test_client()
        login(client, username)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            text = _visible(response.get_data(as_text=True))
            assert "：" in text, path
            found = HAN_THEN_ASCII_COLON.search(text)
            assert found is None, (path, text[max(found.start() - 30, 0):found.end() + 30])
