"""The stylesheet and scripts: versioned URL, long cache for that URL, gzip when accepted."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from app.core import assets

STYLESHEET = Path(assets.__file__).parent / "static" / "css" / "app.css"


def _stylesheet_url(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert match, "the page links the stylesheet"
    return match.group(1).replace("&amp;", "&")


def test_the_page_links_a_versioned_stylesheet_kept_a_year_and_sent_gzipped(client):
    url = _stylesheet_url(client)
    assert re.fullmatch(r"/static/core/css/app\.css\?v=[0-9a-f]{12}", url), url
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.mimetype == "text/css"
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.public
    assert "immutable" in response.headers["Cache-Control"]
    body = response.get_data()
    assert gzip.decompress(body) == STYLESHEET.read_bytes()
    assert len(body) < STYLESHEET.stat().st_size / 2
    assert int(response.headers["Content-Length"]) == len(body)


def test_a_client_without_gzip_gets_the_plain_file(client):
    response = client.get(_stylesheet_url(client), headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.get_data() == STYLESHEET.read_bytes()


def test_an_unversioned_or_stale_url_must_be_revalidated(client):
    for url in ("/static/core/css/app.css", "/static/core/css/app.css?v=000000000000"):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.cache_control.no_cache and not response.cache_control.max_age, url
        again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_a_changed_stylesheet_gets_a_new_url(client, monkeypatch, tmp_path):
    """The version is the file's content: another stylesheet, another URL (so browsers fetch it)."""
    from app.core.views import bp

    copy = tmp_path / "static"
    (copy / "css").mkdir(parents=True)
    (copy / "css" / "app.css").write_bytes(STYLESHEET.read_bytes())
    monkeypatch.setattr(bp, "static_folder", str(copy))
    before = _stylesheet_url(client)
    (copy / "css" / "app.css").write_bytes(STYLESHEET.read_bytes() + b"\n.new-rule { color: red; }\n")
    after = _stylesheet_url(client)
    assert before != after
    assert gzip.decompress(client.get(after, headers={"Accept-Encoding": "gzip"}).get_data()).endswith(
        b".new-rule { color: red; }\n")


@pytest.mark.parametrize("path", ["/static/core/../views.py", "/static/core/css/missing.css"])
def test_nothing_outside_the_static_folder(client, path):
    assert client.get(path).status_code == 404


def _script_urls(html: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in re.findall(r'<script src="([^"]+)"', html)]


@pytest.mark.parametrize("username, page, script", [
    ("member-a1", "/me", "/static/study/js/progress.js"),
    ("tv-a1", "/terminal", "/static/study-sessions/js/terminal.js"),
])
def test_study_scripts_are_versioned_and_gzipped_like_the_stylesheet(client, world, username, page, script):
    """The heartbeat and terminal scripts ride on every member and TV page: versioned, cached, compressed."""
    from tests.conftest import login

    login(client, username)
    urls = [url for url in _script_urls(client.get(page).get_data(as_text=True)) if url.startswith(script)]
    assert urls and re.fullmatch(re.escape(script) + r"\?v=[0-9a-f]{12}", urls[0]), urls
    response = client.get(urls[0], headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert b"function" in gzip.decompress(response.get_data())
