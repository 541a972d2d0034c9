"""The bearer-token cache (app.api.services): no query for a token seen a moment ago, yet a
revocation or a disabled account in this process is refused at once, and a change made by
another process (here: plain SQL, which no ORM event sees) within API_TOKEN_CACHE_SECONDS."""
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import event, text

from app.api.services import create_token, revoke_token
from app.extensions import db
from app.org.models import Account
from tests.conftest import login


def _me(client, plaintext):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})


def _token(world, key="organiser_a"):
    # By id: tests with their own app have their own session.
    token, plaintext = create_token(db.session.get(Account, world.accounts[key].id), "cache")
    db.session.commit()
    return token, plaintext


class _Statements:
    """SQL statements the app runs while the block is open."""

    def __init__(self):
        self.seen: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, connection, cursor, statement, *args):
        self.seen.append(statement)

    def touching(self, table: str) -> list[str]:
        return [statement for statement in self.seen if table in statement]


def test_a_token_used_a_moment_ago_needs_no_query(client, world):
    _token_row, plaintext = _token(world)
    assert _me(client, plaintext).status_code == 200  # looks up, writes last_used_at (drops the entry)
    assert _me(client, plaintext).status_code == 200  # looks up, caches
    with _Statements() as statements:
        response = _me(client, plaintext)
    assert response.status_code == 200
    assert response.get_json()["username"] == "org-a"
    assert statements.touching("api_token") == []
    assert [s for s in statements.touching("account") if "FROM account" in s] == []


def test_without_the_cache_every_request_looks_the_token_up(make_app, world):
    app = make_app(API_TOKEN_CACHE_SECONDS=0)
    with app.app_context():
        _token_row, plaintext = _token(world)
        client = app.test_client()
        assert _me(client, plaintext).status_code == 200
        with _Statements() as statements:
            assert _me(client, plaintext).status_code == 200
        assert len(statements.touching("api_token")) == 1


def test_revoking_a_cached_token_refuses_it_at_once(client, world):
    token, plaintext = _token(world)
    assert _me(client, plaintext).status_code == 200
    assert _me(client, plaintext).status_code == 200
    revoke_token(token)
    db.session.commit()
    assert _me(client, plaintext).status_code == 401


def test_disabling_a_cached_account_refuses_its_tokens_at_once(client, world):
    _token_row, plaintext = _token(world)
    assert _me(client, plaintext).status_code == 200
    assert _me(client, plaintext).status_code == 200
    world.accounts["organiser_a"].is_enabled = False
    db.session.commit()
    assert _me(client, plaintext).status_code == 401


def test_a_rolled_back_revocation_keeps_the_token(client, world):
    token, plaintext = _token(world)
    assert _me(client, plaintext).status_code == 200
    revoke_token(token)
    db.session.flush()
    db.session.rollback()
    assert _me(client, plaintext).status_code == 200


def test_a_revocation_by_another_process_takes_effect_within_the_ttl(make_app, world):
    app = make_app(API_TOKEN_CACHE_SECONDS=0.5)
    with app.app_context():
        token, plaintext = _token(world)
        client = app.test_client()
        assert _me(client, plaintext).status_code == 200
        assert _me(client, plaintext).status_code == 200
        # Another process's write: no ORM event in this one.
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id"),
                               {"id": token.id})
        assert _me(client, plaintext).status_code == 200  # still cached
        time.sleep(0.6)
        assert _me(client, plaintext).status_code == 401


def test_a_revocation_by_another_process_sharing_the_instance_folder_takes_effect_at_once(app, client, world):
    token, plaintext = _token(world)
    assert _me(client, plaintext).status_code == 200
    assert _me(client, plaintext).status_code == 200  # cached for the default TTL
    environment = dict(os.environ, LMS_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                       LMS_INSTANCE_PATH=app.instance_path, LMS_MEDIA_ROOT=app.config["MEDIA_ROOT"])
    subprocess.run([str(Path(sys.executable).parent / "lms"), "tokens", "revoke", str(token.id)], env=environment,
                   check=True, capture_output=True, timeout=120)
    assert _me(client, plaintext).status_code == 401


def test_signing_in_on_the_web_keeps_cached_tokens(client, world):
    """Login bookkeeping (last login time) is not a change the token cache has to drop for."""
    _token_row, plaintext = _token(world)
    _me(client, plaintext)
    _me(client, plaintext)
    login(client, "org-a")
    with _Statements() as statements:
        assert _me(client, plaintext).status_code == 200
    assert statements.touching("api_token") == []


def test_cached_account_reads_its_relationships_in_the_request(client, world):
    """The cached copy carries columns only; scope and person load in the request's session."""
    _token_row, plaintext = _token(world)
    first = _me(client, plaintext).get_json()
    second = _me(client, plaintext).get_json()
    assert first == second
