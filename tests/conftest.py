"""Test harness: a real database (SQLite, or PostgreSQL with LMS_TEST_DB=postgresql),
migrated once per run through Alembic, emptied after every test.

    pytest                          # SQLite file in a temporary folder
    LMS_TEST_DB=postgresql pytest   # a fresh PostgreSQL database, dropped at the end

The PostgreSQL server is LMS_TEST_DATABASE_URL (any database on it; the tests create
their own beside it), default postgresql+psycopg://postgres@127.0.0.1:5432/postgres.
"""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from flask.testing import FlaskClient

from app import create_app, init_migrations
from app.extensions import db

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pytest_addoption(parser):
    parser.addoption("--db", default=os.environ.get("LMS_TEST_DB", "sqlite"),
                     choices=("sqlite", "postgresql"), help="database to run the suite against")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def database_kind(pytestconfig) -> str:
    return pytestconfig.getoption("--db")


@pytest.fixture(scope="session")
def database_url(database_kind, tmp_path_factory):
    if database_kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    server_url = make_url(os.environ.get("LMS_TEST_DATABASE_URL", DEFAULT_PG_URL))
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url, tmp_path_factory):
    """Bring the test database to head through the real migrations, once."""
    from flask_migrate import upgrade

    app = init_migrations(create_app(_test_config(database_url, tmp_path_factory.mktemp("migrate"))))
    with app.app_context():
        upgrade(revision="heads")  # same as "head" on main; lets work in progress carry a second branch
        db.engine.dispose()
    return database_url


def _test_config(database_url: str, root: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(root / "instance"),
        "MEDIA_ROOT": str(root / "media"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "JOBS_EAGER": True,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        **extra,
    }


@pytest.fixture
def make_app(migrated_database, tmp_path):
    """Build an app on the test database; extra settings override the defaults."""
    apps = []

    def factory(**extra):
        app = init_migrations(create_app(_test_config(migrated_database, tmp_path, **extra)))
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh app context, as in production.

    Without this, requests reuse the test's own app context: `g`, the logged-in
    user and the database session would leak from one request to the next.
    The test's session is committed before each request (so the request sees the
    test's data) and after it (so the test sees the request's writes).
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()
        return response


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()


def _empty_all_tables() -> None:
    tables = [table.name for table in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(
                "TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token of the page at `url`, after its redirects (a member's "/" is "/me")."""
    return csrf_from(client.get(url, follow_redirects=True).get_data(as_text=True))


def login(client, username: str, password: str = "secret-pass"):
    response = client.post("/login", data={
        "identifier": username, "password": password, "csrf_token": csrf_token(client, "/login"),
    })
    assert response.status_code == 302, f"login as {username} failed"
    return response


@pytest.fixture
def world(app):
    """Two townships with two branches each, a site per branch and accounts of every role."""
    from tests.factories import build_world

    return build_world()
