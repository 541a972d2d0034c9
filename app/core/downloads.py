"""Responses that hand the user a file: safe file names and bodies streamed after the request.

A streamed body (a CSV of a township's year) is produced while the server sends it, after the
view has returned. By then the request is over: its commit has expired every ORM object and
the request's database session is gone, so the generator must not touch the account, the unit
or any other object the view loaded (SQLAlchemy raises DetachedInstanceError on the real
server; the test client, which keeps an outer context alive, does not show it). So:

    rows = exports.rows(account, unit)          # settles statements and labels now
    return streamed_response(chunks(rows), mimetype="text/csv", download_name="x.csv")

streamed_response settles the locale now (Flask-Babel keeps it for the rest of the request), so
translations inside the generator never ask for the account; the generator itself reads plain
values and runs fresh queries.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, stream_with_context
from flask_babel import get_locale

_NAME_FORBIDDEN = set('/\\:*?"<>|')
MAX_NAME_CHARS = 120


def attachment_name(name: str, extension: str, fallback: str = "download") -> str:
    """A file name for Content-Disposition from user text (a bank's or quiz's name): no control
    characters (a CR/LF would break the header), no path or reserved characters, bounded length."""
    cleaned = "".join(" " if unicodedata.category(char)[0] in "CZ" and char != " " else
                      ("_" if char in _NAME_FORBIDDEN else char)
                      for char in unicodedata.normalize("NFC", name or ""))
    cleaned = " ".join(cleaned.split()).strip(" .")[:MAX_NAME_CHARS] or fallback
    return f"{cleaned}.{extension}"


def content_disposition(filename: str, ascii_fallback: str = "download") -> str:
    """attachment; with an ASCII name for old clients and the UTF-8 name (RFC 6266) for the rest.
    `filename` comes from attachment_name (no quotes, no control characters)."""
    plain = filename if filename.isascii() else f"{ascii_fallback}.{filename.rsplit('.', 1)[-1]}"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def streamed_response(chunks: Iterator, *, mimetype: str, download_name: str,
                      ascii_fallback: str = "download") -> Response:
    """A download whose body `chunks` is produced while it is sent (see the module's docstring)."""
    get_locale()  # settled now, while the account is loaded; Flask-Babel caches it on `g`
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(download_name, ascii_fallback)
    return response
