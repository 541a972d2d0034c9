"""Markdown of text lessons to safe HTML: app.core.markdown renders, nh3 sanitises.

Trainers may mix HTML into their Markdown; whatever they write, the reader's browser
gets only headings, lists, emphasis, tables, quotes, code, links (rel="noopener") and
images served by this site (a path starting with a single "/").
"""
from __future__ import annotations

import re

import nh3
from markupsafe import Markup

from app.core.markdown import markdown_to_html

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "s", "del", "code", "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}

def _own_origin_images(tag: str, attribute: str, value: str) -> str | None:
    # "/media/12/file" is ours; "//evil.example/x.png" and "https://..." are not.
    if tag == "img" and attribute == "src" and not (value.startswith("/") and not value.startswith("//")):
        return None
    return value


# An <img> whose src was dropped would show a broken image; remove the tag itself.
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def sanitize_lesson_html(html: str) -> str:
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_own_origin_images,
        url_schemes={"http", "https", "mailto"},
        clean_content_tags={"script", "style"},
        link_rel="noopener",
    )
    return _IMG_WITHOUT_SRC.sub("", cleaned)


def render_markdown(text: str) -> Markup:
    """Safe HTML for a text lesson (marked safe only after sanitising)."""
    return Markup(sanitize_lesson_html(markdown_to_html(text)))
