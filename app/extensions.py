"""Bare extension instances (create_app binds them to an application) and SQLite's connection settings."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import Huey
from huey.storage import MemoryStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.core.model_base import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# The storage is chosen in app.core.jobs.init_jobs (SQLite file or Redis);
# tasks are declared against this one instance at import time.
huey = Huey("lms", storage_class=MemoryStorage, utc=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Every heartbeat is its own short write transaction: under a burst (a whole village's
    # phones coming back online at once) a writer may queue for a while, which beats refusing.
    cursor.execute("PRAGMA busy_timeout=60000")
    # FULL: a commit is on disk (the WAL is fsynced) before the request answers, so a power cut
    # never drops a heartbeat or sign-in that was already acknowledged. NORMAL only syncs at
    # checkpoints. The cost, measured on bench/bench_progress.py, is in docs/decisions.md.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
