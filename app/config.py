"""Settings read from LMS_* environment variables, once, when create_app builds the app.

Every default works on one township PC with no extra services: SQLite in the
instance folder, media in ./media, the job queue in a SQLite file, rate limits
in memory. Setting LMS_DATABASE_URL / LMS_REDIS_URL moves the same code onto
PostgreSQL and Redis.

VARIABLES is the table of every setting an operator can change: its app.config key, its
LMS_* variable, its default and how the text is read. README's configuration table documents
each variable (tests/unit/core/test_config.py holds the two to each other). The code reads
settings from app.config only, never from the environment. The few keys that follow from other
settings (DERIVED_VARIABLES), or are fixed for every installation (FIXED_KEYS), are set in load_settings.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable


def _flag(text: str) -> bool:
    return text.strip() == "1"


@dataclass(frozen=True)
class Variable:
    key: str                           # the app.config key the code reads
    env: str                           # the LMS_* environment variable that sets it
    default: Any                       # used when the variable is unset or empty (None: unset)
    parse: Callable[[str], Any] = str  # from the variable's text to the value


VARIABLES: tuple[Variable, ...] = (
    Variable("REDIS_URL", "LMS_REDIS_URL", None),
    # Unset: instance/secret_key, made on first run. Several nodes behind one front server
    # need the same key, or a session signed by one node is refused by the next.
    Variable("SECRET_KEY", "LMS_SECRET_KEY", None),
    Variable("MEDIA_ROOT", "LMS_MEDIA_ROOT", "media"),  # made absolute in load_settings
    Variable("JOBS_WORKERS", "LMS_JOB_WORKERS", 2, int),
    # A running job touches its row every JOBS_HEARTBEAT_SECONDS; one untouched for
    # JOBS_STALE_SECONDS lost its worker and is queued again (on the worker's own machine a
    # dead worker is known at once). After JOBS_MAX_ATTEMPTS lost runs the job fails instead.
    Variable("JOBS_HEARTBEAT_SECONDS", "LMS_JOB_HEARTBEAT_SECONDS", 10, int),
    Variable("JOBS_STALE_SECONDS", "LMS_JOB_STALE_SECONDS", 60, int),
    Variable("JOBS_MAX_ATTEMPTS", "LMS_JOB_MAX_ATTEMPTS", 3, int),
    Variable("LOGIN_RATE_LIMIT", "LMS_LOGIN_RATE_LIMIT", "10 per minute;100 per hour"),
    Variable("BABEL_DEFAULT_TIMEZONE", "LMS_TIMEZONE", "Asia/Shanghai"),
    Variable("SESSION_COOKIE_SECURE", "LMS_SECURE_COOKIES", False, _flag),
    Variable("MAX_CONTENT_LENGTH", "LMS_MAX_FORM_BYTES", 20 * 1024 * 1024, int),
    Variable("ROSTER_MAX_BYTES", "LMS_ROSTER_MAX_BYTES", 10 * 1024 * 1024, int),
    Variable("ROSTER_MAX_ROWS", "LMS_ROSTER_MAX_ROWS", 50_000, int),
    Variable("PEOPLE_PER_PAGE", "LMS_PEOPLE_PER_PAGE", 50, int),
    # Records: where xAPI statements are delivered (none: no outbox), and the pro-rating rule
    # for people who join mid-year ("monthly": remaining months incl. the joining one / 12; "none").
    Variable("RECORDS_FEED_URL", "LMS_RECORDS_FEED_URL", None),
    # The receiver's authentication: HTTP Basic when a user is set (most LRSs), else a bearer token.
    Variable("RECORDS_FEED_USER", "LMS_RECORDS_FEED_USER", None),
    Variable("RECORDS_FEED_PASSWORD", "LMS_RECORDS_FEED_PASSWORD", None),
    Variable("RECORDS_FEED_TOKEN", "LMS_RECORDS_FEED_TOKEN", None),
    # xAPI identities (app.records.xapi): this installation's activity IRIs, and the county's
    # account home page and key that name a person the same at every installation of a county
    # (unset key: generated into instance/xapi_actor_key, so only this installation agrees).
    Variable("XAPI_BASE_IRI", "LMS_XAPI_BASE_IRI", None),
    Variable("XAPI_ACTOR_HOMEPAGE", "LMS_XAPI_ACTOR_HOMEPAGE", None),
    Variable("XAPI_ACTOR_KEY", "LMS_XAPI_ACTOR_KEY", None),
    Variable("RECORDS_PRORATE", "LMS_RECORDS_PRORATE", "monthly"),
    # Development-file integrity: the key of the entries' HMAC chain (unset: generated into
    # instance/records_key on first use; several machines writing one database must share it).
    Variable("RECORDS_KEY", "LMS_RECORDS_KEY", None),
    # Questionnaires: results of a group smaller than this are never shown (pages, exports, API).
    Variable("SURVEY_MIN_GROUP", "LMS_SURVEY_MIN_GROUP", 5, int),
    Variable("PACKAGE_MAX_BYTES", "LMS_PACKAGE_MAX_BYTES", 2 * 1024 ** 3, int),
    # Media: the resumable upload accepts files up to MEDIA_MAX_UPLOAD_BYTES in chunks of at
    # most UPLOAD_CHUNK_BYTES; the plain form (no JavaScript) only up to MEDIA_FORM_UPLOAD_BYTES.
    # MEDIA_MAX_UPLOAD_BYTES is also the largest file the media checks accept.
    Variable("MEDIA_MAX_UPLOAD_BYTES", "LMS_MAX_UPLOAD_BYTES", 4 * 1024 ** 3, int),
    Variable("MEDIA_FORM_UPLOAD_BYTES", "LMS_MEDIA_FORM_UPLOAD_BYTES", 200 * 1024 * 1024, int),
    Variable("MEDIA_DOCUMENT_MAX_BYTES", "LMS_MEDIA_DOCUMENT_MAX_BYTES", 100 * 1024 * 1024, int),
    Variable("UPLOAD_CHUNK_BYTES", "LMS_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024, int),
    Variable("MEDIA_MAX_DURATION", "LMS_MEDIA_MAX_DURATION", 4 * 3600, int),
    Variable("MEDIA_MIN_DURATION", "LMS_MEDIA_MIN_DURATION", 0.5, float),
    Variable("MEDIA_MAX_DIMENSION", "LMS_MEDIA_MAX_DIMENSION", 4096, int),
    # Tries of a transcode killed by a signal (out of memory, a crash) before it fails for good.
    Variable("MEDIA_TRANSCODE_ATTEMPTS", "LMS_MEDIA_TRANSCODE_ATTEMPTS", 3, int),
    # Set (e.g. "/protected-media/") when nginx serves MEDIA_ROOT as an internal location.
    Variable("MEDIA_X_ACCEL_PREFIX", "LMS_MEDIA_X_ACCEL_PREFIX", None),
    # Staged uploads (a roster, a question bank, a package waiting for its preview or job) not
    # confirmed within this many hours are removed (app.core.staging).
    Variable("STAGED_UPLOAD_HOURS", "LMS_STAGED_UPLOAD_HOURS", 24, int),
    # Study rules (app.study.rules, app.study.credit, app.study.progress).
    # A video/audio lesson is complete when unique watched time reaches this share of its duration.
    Variable("COMPLETION_SHARE", "LMS_COMPLETION_SHARE", 0.9, float),
    # Self-study time: nothing counts before this much continuous watching (seconds) in a day,
    # and credit per resource (lesson) is capped (seconds).
    Variable("SELF_STUDY_MIN_CONTINUOUS", "LMS_SELF_STUDY_MIN_CONTINUOUS", 120.0, float),
    Variable("SELF_STUDY_CAP", "LMS_SELF_STUDY_CAP", 3600.0, float),
    # Group sessions: this many attended minutes make one credit hour, rounded down to this step.
    Variable("SESSION_MINUTES_PER_HOUR", "LMS_SESSION_MINUTES_PER_HOUR", 45.0, float),
    Variable("SESSION_HOURS_STEP", "LMS_SESSION_HOURS_STEP", Decimal("0.5"), Decimal),
    # Roll call: late after this many minutes; make-ups due this many days after the session.
    Variable("SESSION_LATE_GRACE_MINUTES", "LMS_SESSION_LATE_GRACE_MINUTES", 10, int),
    Variable("SESSION_MAKEUP_DUE_DAYS", "LMS_SESSION_MAKEUP_DUE_DAYS", 14, int),
    # Yearly requirement (hours): members, and branch secretaries / committee members.
    Variable("REQUIRED_HOURS_MEMBER", "LMS_REQUIRED_HOURS_MEMBER", Decimal("32"), Decimal),
    Variable("REQUIRED_HOURS_CADRE", "LMS_REQUIRED_HOURS_CADRE", Decimal("56"), Decimal),
    # Plausibility of reported playback: one event may not exceed this many seconds.
    Variable("PROGRESS_MAX_EVENT_SECONDS", "LMS_PROGRESS_MAX_EVENT_SECONDS", 120.0, float),
    # Credited playback spends the learner's real time as the server measures it: a learner seen
    # for the first time has this many seconds, and time unspent for longer than the second
    # setting (a phone or terminal offline) is not kept.
    Variable("PROGRESS_FIRST_BATCH_SECONDS", "LMS_PROGRESS_FIRST_BATCH_SECONDS", 30.0, float),
    Variable("PROGRESS_OFFLINE_SECONDS", "LMS_PROGRESS_OFFLINE_SECONDS", 7200.0, float),
    # Events older than this many days (a terminal offline for weeks) are refused as implausible.
    Variable("PROGRESS_MAX_AGE_DAYS", "LMS_PROGRESS_MAX_AGE_DAYS", 60.0, float),
    # Site rules of the monthly site report (app.records.site_report): each activity room holds at
    # least this many group sessions and this many viewing hours a month.
    Variable("SITE_RULE_SESSIONS", "LMS_SITE_RULE_SESSIONS", 2, int),
    Variable("SITE_RULE_HOURS", "LMS_SITE_RULE_HOURS", Decimal("20"), Decimal),
    # Outbound webhook of the reminders (app.records.webhook): where their JSON events are posted
    # (none: no webhook), and the secret of their HMAC-SHA256 signature header (none: unsigned).
    Variable("WEBHOOK_URL", "LMS_WEBHOOK_URL", None),
    Variable("WEBHOOK_SECRET", "LMS_WEBHOOK_SECRET", None),
)

# Settings whose default follows from the instance folder: key -> variable (read in load_settings).
DERIVED_VARIABLES = {"INSTANCE_PATH": "LMS_INSTANCE_PATH", "SQLALCHEMY_DATABASE_URI": "LMS_DATABASE_URL",
                     "RECORDS_CHECKPOINT_PATH": "LMS_RECORDS_CHECKPOINT"}

# Keys that are not read from a variable of their own: they follow from other settings (the
# instance folder, Redis, secure cookies) or are the same on every installation.
FIXED_KEYS = frozenset({
    "JOBS_SQLITE_PATH", "JOBS_EAGER",
    "RATELIMIT_STORAGE_URI", "RATELIMIT_HEADERS_ENABLED", "BABEL_DEFAULT_LOCALE", "LANGUAGES",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_HTTPONLY", "REMEMBER_COOKIE_SAMESITE",
    "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_DURATION", "WTF_CSRF_TIME_LIMIT", "API_TITLE", "API_VERSION",
    "OPENAPI_VERSION", "OPENAPI_URL_PREFIX", "OPENAPI_JSON_PATH", "SQLALCHEMY_ENGINE_OPTIONS",
})


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def _read(variable: Variable) -> Any:
    text = _env(variable.env)
    if text is None:
        return variable.default
    try:
        return variable.parse(text)
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"{variable.env}={text!r} is not a valid value: {exc}") from None


def unused_drivers(settings: dict) -> tuple[str, ...]:
    """The database and queue drivers a process on ``settings`` never touches.

    huey's storage module imports every driver it finds installed (redis, psycopg: about 0.3 s
    and 14 MiB), and the suite installs them all. A command-line process (`lms serve`, `lms
    worker`, any `lms` command) keeps one configuration for its life, so app.cli marks these
    absent before building the app; Python then answers their import with ImportError, which
    huey expects. Tests and embedders that build several apps in one process do not do this.
    """
    unused = []
    if not settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        unused += ["psycopg", "psycopg2"]
    if not settings["REDIS_URL"] and not settings["RATELIMIT_STORAGE_URI"].startswith(("redis", "rediss")):
        unused.append("redis")
    return tuple(unused)


def load_settings(overrides: dict | None = None) -> dict:
    """Return the configuration mapping for create_app.

    `overrides` (tests, embedding) win over the environment.
    """
    overrides = dict(overrides or {})
    instance_path = Path(overrides.pop("INSTANCE_PATH", None) or _env("LMS_INSTANCE_PATH") or "instance").resolve()
    settings = {variable.key: _read(variable) for variable in VARIABLES}
    settings["MEDIA_ROOT"] = str(Path(settings["MEDIA_ROOT"]).resolve())
    redis_url = overrides.get("REDIS_URL", settings["REDIS_URL"])
    settings.update({
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": _env("LMS_DATABASE_URL") or f"sqlite:///{instance_path / 'lms.sqlite3'}",
        # The signed checkpoint of every person's head.
        "RECORDS_CHECKPOINT_PATH": _env("LMS_RECORDS_CHECKPOINT") or str(instance_path / "records_checkpoint.json"),
        # Jobs: SqliteHuey file in the instance folder unless Redis is configured.
        "JOBS_SQLITE_PATH": str(instance_path / "jobs.sqlite3"),
        "JOBS_EAGER": False,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": settings["SESSION_COOKIE_SECURE"],
        # "Stay logged in" lasts this long at most; so does any login, however its cookie is kept
        # (app.org.auth_views.load_account checks the login moment carried in the session id).
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,  # a terminal page may stay open all evening
        "API_TITLE": "Rural LMS API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    })
    settings.update(overrides)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in settings:
        # A server's connections can drop (a restart, a network cut): ping one before using it.
        # A SQLite file's cannot, and the ping was work every request paid for nothing.
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": not settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")}
    if settings["RECORDS_KEY"] and len(settings["RECORDS_KEY"]) < 32:
        raise ValueError("LMS_RECORDS_KEY must have at least 32 characters (e.g. `openssl rand -hex 32`).")
    return settings
