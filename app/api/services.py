"""API tokens: issue, revoke, authenticate. Flush, never commit."""
from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, contains_eager, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from app.api.models import ApiToken
from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.org.models import Account

TOKEN_PREFIX = "lms_"
DISPLAY_PREFIX_LENGTH = 12  # "lms_" and 8 random characters: enough to tell tokens apart
MAX_NAME_LENGTH = 100
# last_used_at is informational; writing it on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A refusal with a message for the operator."""


def create_token(account: Account, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `account`; the plaintext is returned once and never stored."""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(f"The token name is longer than {MAX_NAME_LENGTH} characters.")
    if not account.is_enabled:
        raise TokenError(f"Account {account.username} is disabled.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        account=account,
        name=name,
        token_hash=ApiToken.hash_token(plaintext),
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
    )
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def list_tokens_for(account: Account) -> list[ApiToken]:
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id)
    ))


def get_account_by_username(username: str) -> Account | None:
    return db.session.scalar(select(Account).where(Account.username == username.strip()))


def bearer_token_from(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme case-insensitive)."""
    if not header:
        return None
    scheme, _sep, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate_bearer(header: str | None) -> Account | None:
    """The account behind a valid, unrevoked token of an enabled account; None otherwise.

    A token seen in the last API_TOKEN_CACHE_SECONDS is answered from the token cache without
    a query: phones and terminals send a progress heartbeat every 15 seconds, and the token and
    its account were two queries on each (a miss is now one, joined).
    """
    plaintext = bearer_token_from(header)
    if plaintext is None:
        return None
    token_hash = ApiToken.hash_token(plaintext)
    cache = _token_cache()
    cached = cache.get(token_hash) if cache is not None and _session_is_clean() else None
    if cached is not None and identity_key(Account, cached.id) not in db.session.identity_map:
        return db.session.merge(cached, load=False)
    version = cache.version() if cache is not None else None
    token = db.session.scalar(select(ApiToken).join(ApiToken.account).options(contains_eager(ApiToken.account))
                              .where(ApiToken.token_hash == token_hash))
    if token is None or token.is_revoked or not token.account.is_enabled:
        return None
    now = utcnow()
    last_used = as_utc(token.last_used_at)
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    if cache is not None:
        cache.put(token_hash, token.account, version)
    return token.account


def _session_is_clean() -> bool:
    """No unflushed change in the request's session: the cache may stand in for a query. (A
    session that already holds the account, or changed something, asks the database, so its
    own pending changes are seen and merge() never overwrites them.)"""
    session = db.session
    return not (session.new or session.dirty or session.deleted)


# --- token cache --------------------------------------------------------------------------------

TOKEN_STAMP_FILE = "api-token-stamp"


def _touch(path: str) -> None:
    """Give the file a new modification time (created if missing)."""
    now = time.time_ns()
    with open(path, "ab"):
        pass
    os.utime(path, ns=(now, now))

@dataclass
class _CacheState:
    """Bumped whenever an account or a token's revocation is committed in this process."""

    generation: int = 0


_cache_state = _CacheState()


class TokenCache:
    """token hash -> a detached copy of its account's columns, for up to `seconds`.

    Requests get their own instance through Session.merge(load=False): no query, and
    relationships (scope unit, person) still load in the request's session when used.
    last_used_at stays within LAST_USED_RESOLUTION + the TTL, since a miss refreshes it.

    An entry is valid for the version it was read at: this process's generation and the
    modification time of the stamp file in the instance folder, which a commit that revokes a
    token or changes an account touches in any process (`lms tokens revoke` included). So the
    processes sharing an instance folder drop their entries at once; a process on another
    machine keeps its entries until they expire.
    """

    MAX_ENTRIES = 50_000

    def __init__(self, seconds: float, stamp_path: str | None = None):
        self.seconds = seconds
        self.stamp_path = stamp_path
        self._entries: dict[str, tuple[float, tuple[int, int], Account]] = {}
        self._lock = threading.Lock()

    def version(self) -> tuple[int, int]:
        if self.stamp_path is None:
            return _cache_state.generation, 0
        try:
            return _cache_state.generation, os.stat(self.stamp_path).st_mtime_ns
        except FileNotFoundError:
            return _cache_state.generation, 0

    def get(self, token_hash: str) -> Account | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        expires, version, account = entry
        if expires < time.monotonic() or version != self.version():
            self._entries.pop(token_hash, None)
            return None
        return account

    def drop(self, token_hash: str) -> None:
        self._entries.pop(token_hash, None)

    def put(self, token_hash: str, account: Account, version: tuple[int, int]) -> None:
        # A change committed while this request was reading would otherwise be cached stale.
        if version != self.version():
            return
        snapshot = Account(**{attr.key: getattr(account, attr.key) for attr in inspect(Account).column_attrs})
        make_transient_to_detached(snapshot)
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[token_hash] = (time.monotonic() + self.seconds, version, snapshot)


def _token_cache() -> TokenCache | None:
    return token_cache_of(current_app)


def token_cache_of(app) -> TokenCache | None:
    seconds = app.config.get("API_TOKEN_CACHE_SECONDS", 0)
    if not seconds or seconds <= 0:
        return None
    cache = app.extensions.get("api_token_cache")
    if cache is None or cache.seconds != seconds:
        cache = app.extensions["api_token_cache"] = TokenCache(seconds, stamp_path_of(app))
    return cache


def stamp_path_of(app) -> str:
    return os.path.join(app.instance_path, TOKEN_STAMP_FILE)


def cached_account(app, header: str | None) -> Account | None:
    """The account of a bearer token seen in the last API_TOKEN_CACHE_SECONDS, without a query:
    a detached, read-only copy of its columns. None when the token is not in the cache (which
    says nothing about its validity: authenticate_bearer decides that)."""
    plaintext = bearer_token_from(header)
    cache = token_cache_of(app) if plaintext is not None else None
    return None if cache is None else cache.get(ApiToken.hash_token(plaintext))


# A flushed change to an account (disabled, new role or scope, other person) or a token's
# revocation marks its session, and the commit then drops every cached token in this process.
# Any other change to a token (last_used_at, once a minute) drops only that token's entry. A rolled
# back change leaves its mark for the session's next commit: one needless drop, never a stale hit.
_ALL_STALE = "api_token_cache_stale"
_TOKENS_STALE = "api_token_cache_stale_tokens"


# Login bookkeeping and credentials of the web login: a member logging in must not make every
# process drop every cached token.
_NOT_CACHED_MEANING = frozenset({"password_hash", "pin_hash", "activation_code_hash", "activation_expires_at",
                                 "session_version", "last_login_at"})


@event.listens_for(Account, "after_update")
def _account_updated(mapper, connection, target) -> None:
    attrs = inspect(target).attrs
    if any(attr.history.has_changes() for attr in attrs if attr.key not in _NOT_CACHED_MEANING
           and attr.key in mapper.column_attrs):
        _account_changed(mapper, connection, target)


@event.listens_for(Account, "after_delete")
def _account_changed(mapper, connection, target) -> None:
    session = Session.object_session(target)
    if session is not None:
        session.info[_ALL_STALE] = True


@event.listens_for(ApiToken, "after_update")
def _token_changed(mapper, connection, target) -> None:
    attrs = inspect(target).attrs
    if attrs.revoked_at.history.has_changes() or attrs.account_id.history.has_changes():
        _account_changed(mapper, connection, target)
        return
    session = Session.object_session(target)
    if session is not None:
        session.info.setdefault(_TOKENS_STALE, set()).add(target.token_hash)


@event.listens_for(ApiToken, "after_delete")
def _token_deleted(mapper, connection, target) -> None:
    _account_changed(mapper, connection, target)


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session) -> None:
    if session.info.pop(_ALL_STALE, False):
        _cache_state.generation += 1
        if has_app_context():
            _touch(stamp_path_of(current_app))
    stale_tokens = session.info.pop(_TOKENS_STALE, None)
    if stale_tokens and has_app_context():
        cache = current_app.extensions.get("api_token_cache")
        for token_hash in stale_tokens if cache is not None else ():
            cache.drop(token_hash)

