"""`lms tokens ...` commands."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from app.api import services
from app.api.models import ApiToken
from app.extensions import db


@click.group("tokens")
def tokens_group() -> None:
    """API tokens: create, list, revoke."""


def _account_or_fail(username: str):
    account = services.get_account_by_username(username)
    if account is None:
        raise click.ClickException(f"No account named {username}.")
    return account


@tokens_group.command("create")
@click.argument("username")
@click.option("--name", default="", help="A label telling what the token is for.")
@with_appcontext
def create_command(username: str, name: str) -> None:
    """Print a new API token for USERNAME (shown once: store it now)."""
    account = _account_or_fail(username)
    try:
        _token, plaintext = services.create_token(account, name)
    except services.TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(plaintext)  # alone on stdout, so scripts can capture it


@tokens_group.command("list")
@click.argument("username")
@with_appcontext
def list_command(username: str) -> None:
    """List USERNAME's tokens (never the tokens themselves, only their prefixes)."""
    account = _account_or_fail(username)
    click.echo(f"{'id':>5}  {'name':<24} {'prefix':<12}  {'created (UTC)':<16}  {'last used (UTC)':<16}  revoked")
    for token in services.list_tokens_for(account):
        click.echo(
            f"{token.id:>5}  {token.name or '-':<24} {token.prefix:<12}  {_when(token.created_at):<16}  "
            f"{_when(token.last_used_at):<16}  {_when(token.revoked_at) if token.is_revoked else 'no'}"
        )


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_command(token_id: int) -> None:
    """Revoke the token with id TOKEN_ID; requests using it get 401 from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No API token with id {token_id}.")
    if token.is_revoked:
        click.echo(f"Token {token_id} ({token.prefix}...) was already revoked.")
        return
    services.revoke_token(token)
    db.session.commit()
    click.echo(f"Token {token_id} ({token.prefix}...) of {token.account.username} revoked.")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"
