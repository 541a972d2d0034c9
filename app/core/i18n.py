"""Locale choice: explicit choice in the session, then the account, then Chinese."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import cache

from flask import current_app, has_request_context, session
from flask_login import current_user
from babel import Locale
from babel.dates import format_skeleton
from flask_babel import format_datetime, get_locale, to_user_timezone

from app.core.model_base import as_utc


# The configured languages as CLDR parts (language, territory, script). Locale.parse("zh_CN")
# finds the script through babel's table of likely subtags, about 2 MiB resident for the life of
# the process; building the Locale from its parts needs only that locale's own data.
CLDR_PARTS = {"zh_CN": ("zh", "CN", "Hans")}


@cache
def locale_for(code: str) -> Locale:
    if code in CLDR_PARTS:
        language, territory, script = CLDR_PARTS[code]
        return Locale(language, territory, script=script)
    return Locale.parse(code)


def select_babel_locale() -> Locale:
    """Flask-Babel's locale selector: the language select_locale chooses."""
    return locale_for(select_locale())


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # jobs and commands: Chinese unless they force another
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_moment(moment: datetime) -> str:
    """A moment in the coming hours for a message ("try again after ..."): the local time, with
    the date when it is not today."""
    moment = as_utc(moment)
    local = to_user_timezone(moment)
    if local.date() == to_user_timezone(datetime.now(timezone.utc)).date():
        return format_datetime(moment, "HH:mm")
    return f'{format_skeleton("MMMd", local, locale=get_locale())} {format_datetime(moment, "HH:mm")}'


# --- catalog maintenance (`lms i18n ...`) ------------------------------------
# Source strings are English msgids; the zh_CN catalog makes Chinese the default UI.
# Flask-Babel expands "zh_CN" to the CLDR name zh_Hans_CN, so the catalog folder uses that.

APP_DIR = __import__("pathlib").Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = APP_DIR / "translations"
EXTRACT_METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
# language_map: the Chinese-and-English names of xAPI statements (app.records.xapi).
EXTRACT_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                    "language_map": None}


def extract_messages():
    """The template catalog of every translatable string in app/."""
    from babel.messages.catalog import Catalog  # deferred: Babel's message tools load only for `lms i18n update`
    from babel.messages.extract import extract_from_dir  # deferred: Babel's message tools load only for `lms i18n update`

    template = Catalog(project="rural-lms", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(APP_DIR), EXTRACT_METHODS, keywords=EXTRACT_KEYWORDS, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _po_path(locale: str):
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(locale: str):
    from babel.messages.pofile import read_po  # deferred: Babel's message tools load only for `lms i18n update`

    path = _po_path(locale)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update_catalog(locale: str = "zh_Hans_CN") -> list[str]:
    """Sync the PO file with the source, fold in fragments, compile the MO; return untranslated ids."""
    from babel.messages.mofile import write_mo  # deferred: Babel's message tools load only for `lms i18n update`
    from babel.messages.pofile import read_po, write_po  # deferred: Babel's message tools load only for `lms i18n update`

    catalog = read_catalog(locale)
    catalog.update(extract_messages(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    fragments = sorted((TRANSLATIONS_DIR / "fragments").glob("*.po"))
    for fragment_path in fragments:
        with fragment_path.open("rb") as handle:
            fragment = read_po(handle, locale=locale)
        for message in fragment:
            if message.id and message.string and message.id in catalog:
                if not catalog[message.id].string:
                    catalog[message.id].string = message.string
    with _po_path(locale).open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True, no_location=True)
    with _po_path(locale).with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)
    return untranslated(catalog)


def untranslated(catalog) -> list[str]:
    return [message.id for message in catalog if message.id and not message.string]
