"""Settings read from LMS_* environment variables.

Every default works on one township PC with no extra services: SQLite in the
instance folder, media in ./media, the job queue in a SQLite file, rate limits
in memory. Setting LMS_DATABASE_URL / LMS_REDIS_URL moves the same code onto
PostgreSQL and Redis.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def load_settings(overrides: dict | None = None) -> dict:
    """Return the configuration mapping for create_app.

    `overrides` (tests, embedding) win over the environment.
    """
    overrides = dict(overrides or {})
    instance_path = Path(
        overrides.pop("INSTANCE_PATH", None) or _env("LMS_INSTANCE_PATH", "instance")
    ).resolve()
    redis_url = overrides.get("REDIS_URL", _env("LMS_REDIS_URL"))

    settings = {
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": _env(
            "LMS_DATABASE_URL", f"sqlite:///{instance_path / 'lms.sqlite3'}"
        ),
        # Unset: instance/secret_key, made on first run. Several nodes behind one front server
        # need the same key, or a session signed by one node is refused by the next.
        "SECRET_KEY": _env("LMS_SECRET_KEY"),
        "MEDIA_ROOT": str(Path(_env("LMS_MEDIA_ROOT", "media")).resolve()),
        "REDIS_URL": redis_url,
        # Jobs: SqliteHuey file in the instance folder unless Redis is configured.
        "JOBS_SQLITE_PATH": str(instance_path / "jobs.sqlite3"),
        "JOBS_EAGER": False,
        "JOBS_WORKERS": _env_int("LMS_JOB_WORKERS", 2),
        # A running job touches its row every JOBS_HEARTBEAT_SECONDS; one untouched for
        # JOBS_STALE_SECONDS lost its worker and is queued again (on the worker's own machine a
        # dead worker is known at once). After JOBS_MAX_ATTEMPTS lost runs the job fails instead.
        "JOBS_HEARTBEAT_SECONDS": _env_int("LMS_JOB_HEARTBEAT_SECONDS", 10),
        "JOBS_STALE_SECONDS": _env_int("LMS_JOB_STALE_SECONDS", 60),
        "JOBS_MAX_ATTEMPTS": _env_int("LMS_JOB_MAX_ATTEMPTS", 3),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": _env("LMS_LOGIN_RATE_LIMIT", "10 per minute;100 per hour"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": _env("LMS_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env("LMS_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env("LMS_SECURE_COOKIES", "0") == "1",
        # "Stay logged in" lasts this long at most; so does any login, however its cookie is kept
        # (app.org.auth_views.load_account checks the login moment carried in the session id).
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "WTF_CSRF_TIME_LIMIT": None,  # a terminal page may stay open all evening
        "MAX_CONTENT_LENGTH": _env_int("LMS_MAX_FORM_BYTES", 20 * 1024 * 1024),
        "ROSTER_MAX_BYTES": _env_int("LMS_ROSTER_MAX_BYTES", 10 * 1024 * 1024),
        "ROSTER_MAX_ROWS": _env_int("LMS_ROSTER_MAX_ROWS", 50_000),
        "PEOPLE_PER_PAGE": 50,
        # Records: where xAPI statements are delivered (none: no outbox), and the pro-rating rule
        # for people who join mid-year ("monthly": remaining months incl. the joining one / 12; "none").
        "RECORDS_FEED_URL": _env("LMS_RECORDS_FEED_URL"),
        # The receiver's authentication: HTTP Basic when a user is set (most LRSs), else a bearer token.
        "RECORDS_FEED_USER": _env("LMS_RECORDS_FEED_USER"),
        "RECORDS_FEED_PASSWORD": _env("LMS_RECORDS_FEED_PASSWORD"),
        "RECORDS_FEED_TOKEN": _env("LMS_RECORDS_FEED_TOKEN"),
        # xAPI identities (app.records.xapi): this installation's activity IRIs, and the county's
        # account home page and key that name a person the same at every installation of a county
        # (unset key: generated into instance/xapi_actor_key, so only this installation agrees).
        "XAPI_BASE_IRI": _env("LMS_XAPI_BASE_IRI"),
        "XAPI_ACTOR_HOMEPAGE": _env("LMS_XAPI_ACTOR_HOMEPAGE"),
        "XAPI_ACTOR_KEY": _env("LMS_XAPI_ACTOR_KEY"),
        "RECORDS_PRORATE": _env("LMS_RECORDS_PRORATE", "monthly"),
        # Development-file integrity: the key of the entries' HMAC chain (unset: generated into
        # instance/records_key on first use; several machines writing one database must share it)
        # and the signed checkpoint of every person's head.
        "RECORDS_KEY": _env("LMS_RECORDS_KEY"),
        "RECORDS_CHECKPOINT_PATH": _env("LMS_RECORDS_CHECKPOINT", str(instance_path / "records_checkpoint.json")),
        "PACKAGE_MAX_BYTES": _env_int("LMS_PACKAGE_MAX_BYTES", 2 * 1024 * 1024 * 1024),
        # Media: the resumable upload accepts files up to MEDIA_MAX_UPLOAD_BYTES in chunks of at
        # most UPLOAD_CHUNK_BYTES; the plain form (no JavaScript) only up to MEDIA_FORM_UPLOAD_BYTES.
        "MEDIA_MAX_UPLOAD_BYTES": _env_int("LMS_MAX_UPLOAD_BYTES", 4 * 1024 ** 3),
        "MEDIA_MAX_FILE_SIZE": _env_int("LMS_MAX_UPLOAD_BYTES", 4 * 1024 ** 3),
        "MEDIA_FORM_UPLOAD_BYTES": _env_int("LMS_MEDIA_FORM_UPLOAD_BYTES", 200 * 1024 * 1024),
        "MEDIA_DOCUMENT_MAX_BYTES": _env_int("LMS_MEDIA_DOCUMENT_MAX_BYTES", 100 * 1024 * 1024),
        "UPLOAD_CHUNK_BYTES": _env_int("LMS_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024),
        "MEDIA_MAX_DURATION": _env_int("LMS_MEDIA_MAX_DURATION", 4 * 3600),
        "MEDIA_MIN_DURATION": float(_env("LMS_MEDIA_MIN_DURATION", "0.5")),
        "MEDIA_MAX_DIMENSION": _env_int("LMS_MEDIA_MAX_DIMENSION", 4096),
        # Tries of a transcode killed by a signal (out of memory, a crash) before it fails for good.
        "MEDIA_TRANSCODE_ATTEMPTS": _env_int("LMS_MEDIA_TRANSCODE_ATTEMPTS", 3),
        # Set (e.g. "/protected-media/") when nginx serves MEDIA_ROOT as an internal location.
        "MEDIA_X_ACCEL_PREFIX": _env("LMS_MEDIA_X_ACCEL_PREFIX"),
        "API_TITLE": "Rural LMS API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Seconds a bearer token's account is reused without a query (app.api.services). A change
        # to an account or a revocation in this process drops the cache at once; in another
        # process (gunicorn worker, second `lms serve`) it takes effect within this time. 0: off.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
    settings.update(overrides)
    if settings["RECORDS_KEY"] and len(settings["RECORDS_KEY"]) < 32:
        raise ValueError("LMS_RECORDS_KEY must have at least 32 characters (e.g. `openssl rand -hex 32`).")
    return settings
