"""Whole numbers from the address (query strings, path ids) and forms, read in one place.

A value that is not a number at all is ignored, as list pages always did (a stale link still
opens the list). A number the app cannot hold or use is answered with a clear 400 instead of
reaching the database (SQLite cannot even bind an id past 2**63): a page past MAX_PAGE, an id
past MAX_ID, a year outside FIRST_YEAR..LAST_YEAR. Ids in paths (<int:...>) stop at MAX_ID too:
a larger one is simply not found (404).
"""
from __future__ import annotations

import re

from flask import Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter, Rule

from app.core.errors import InvalidArgument

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
MAX_PAGE = 100_000
FIRST_YEAR, LAST_YEAR = 2000, 2100
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}\Z")


def int_arg(name: str, default: int | None = None, *, minimum: int, maximum: int, what: str,
            source=None, shown_minimum: int | None = None) -> int | None:
    """The whole number `name` of the query string (or `source`, e.g. request.form): `default`
    when absent or not a number; InvalidArgument (400) when outside minimum..maximum. The
    message names `shown_minimum` as the lower end when the caller treats smaller values as it."""
    shown = minimum if shown_minimum is None else shown_minimum
    raw = ((request.args if source is None else source).get(name) or "").strip()
    if not raw or not _WHOLE_NUMBER.match(raw):
        if len(raw) > 30 and raw.lstrip("+-").isdigit():
            raise _out_of_range(what, shown, maximum)
        return default
    value = int(raw)
    if not minimum <= value <= maximum:
        raise _out_of_range(what, shown, maximum)
    return value


def _out_of_range(what: str, minimum: int, maximum: int) -> InvalidArgument:
    return InvalidArgument(_("The %(what)s in the address must be a whole number from %(min)s to %(max)s.",
                             what=what, min=minimum, max=maximum))


def page_arg(name: str = "page") -> int:
    """A list's page number: 1 when absent, not a number or below 1; 400 past MAX_PAGE."""
    return max(1, int_arg(name, 1, minimum=-MAX_ID, maximum=MAX_PAGE, what=_("page number"), shown_minimum=1))


def id_arg(name: str, source=None) -> int | None:
    """An object id (a filter such as ?unit=): None when absent, not a number or below 1."""
    value = int_arg(name, None, minimum=-MAX_ID, maximum=MAX_ID, what=_("number"), source=source,
                    shown_minimum=1)
    return value if value is not None and value >= 1 else None


def year_arg(default: int | None, name: str = "year", source=None) -> int | None:
    """A calendar year: `default` when absent or not a number; 400 outside FIRST_YEAR..LAST_YEAR."""
    return int_arg(name, default, minimum=FIRST_YEAR, maximum=LAST_YEAR, what=_("year"), source=source)


class TextArguments(ImmutableMultiDict):
    """Query and form arguments without NUL characters: no one types them, PostgreSQL cannot
    store or compare text holding them (a search for "\x00" was a 500), SQLite would cut at them."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(_without_nul(key), _without_nul(value)) for key, value in iter_multi_items(mapping)]
        super().__init__(mapping)


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


class AppRequest(Request):
    parameter_storage_class = TextArguments


class BoundedIntegerConverter(IntegerConverter):
    """<int:...> in URL rules: an id past MAX_ID matches no rule (404), it never reaches a query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class LazyBuilderRule(Rule):
    """A URL rule that writes its url_for() builders when first asked, not when it is added.

    werkzeug compiles two builder functions per rule as the rule is added (generating and
    compiling Python code): for the app's 185 rules that is about 50 ms of every start, for
    builders most of which a process never calls. Each one is made on its first use instead;
    two threads asking at once both make it, and either result is the same.
    """

    def _compile_builder(self, append_unknown: bool = True):
        compiled = None

        def build(rule: Rule, /, **values):  # positional only: a URL value may be called "rule"
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(rule, append_unknown)
            return compiled(rule, **values)

        return build
