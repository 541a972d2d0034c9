"""API tokens: issue, revoke, authenticate. Flush, never commit."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import contains_eager

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


def revoke_tokens_of(account_id: int, at: datetime | None = None) -> None:
    """Revoke every token of the account that is not revoked yet."""
    db.session.execute(update(ApiToken).where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=at or utcnow()).execution_options(synchronize_session="fetch"))


def on_credentials_changed(_sender, *, account_id: int, at: datetime | None = None) -> None:
    revoke_tokens_of(account_id, at)


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


@cache
def _token_with_account():
    """Built once, at first use (building it configures the mappers, which needs every model
    imported); the account's scope unit comes in the same statement (the views need it)."""
    return (select(ApiToken).join(ApiToken.account)
            .options(contains_eager(ApiToken.account).joinedload(Account.scope_unit))
            .where(ApiToken.token_hash == bindparam("token_hash")))


def authenticate_bearer(header: str | None) -> Account | None:
    """The account behind a valid, unrevoked token of an enabled account; None otherwise.

    One joined query per request (the account and its scope unit): a revoked token or a disabled account is refused at once.
    """
    plaintext = bearer_token_from(header)
    if plaintext is None:
        return None
    token_hash = ApiToken.hash_token(plaintext)
    token = db.session.scalar(_token_with_account(), {"token_hash": token_hash})
    if token is None or token.is_revoked or not token.account.is_enabled:
        return None
    now = utcnow()
    last_used = as_utc(token.last_used_at)
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.account
