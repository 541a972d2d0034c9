"""Shared helpers for bench scripts: a throwaway app on SQLite or PostgreSQL, timing."""
from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = os.environ.get("LMS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        engine = create_engine(DEFAULT_PG_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def bench_app(kind: str):
    """An app on a fresh, migrated database that is removed afterwards."""
    from flask_migrate import upgrade

    from app import create_app, init_migrations
    from app.extensions import db

    workdir = tempfile.mkdtemp(prefix="lms-bench-")
    admin = None
    if kind == "sqlite":
        url = f"sqlite:///{workdir}/bench.sqlite3"
    else:
        server = make_url(DEFAULT_PG_URL)
        name = f"lms_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    app = init_migrations(create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": f"{workdir}/instance",
                                      "MEDIA_ROOT": f"{workdir}/media", "SECRET_KEY": "bench", "JOBS_EAGER": True}))
    try:
        with app.app_context():
            upgrade(revision="heads")
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def measure(fn, repeat: int = 15) -> dict:
    """Run fn once to warm up, then `repeat` times; return median and p95 in milliseconds."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p95_ms": samples[int(len(samples) * 0.95) - 1]}


def backends() -> list[str]:
    wanted = os.environ.get("LMS_BENCH_DB", "sqlite,postgresql").split(",")
    result = [kind for kind in wanted if kind == "sqlite"]
    if "postgresql" in wanted:
        if postgres_available():
            result.append("postgresql")
        else:
            print("PostgreSQL not reachable: skipped")
    return result
