"""The one Markdown renderer: CommonMark with tables and strikethrough (markdown-it-py).

markdown_to_html gives UNSANITISED HTML: every caller sanitises it with its own allow-list
(text lessons in app/catalog/markdown.py, imported questions in app/quiz/formats/richtext.py),
so Markdown reads the same wherever it is shown.
"""
from __future__ import annotations

from functools import cache


@cache
def _renderer():
    from markdown_it import MarkdownIt  # deferred: 62 modules and ~3 MiB that a page without Markdown never needs

    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")


def markdown_to_html(text: str) -> str:
    """HTML of Markdown text; sanitise before showing it."""
    return _renderer().render(text or "")
