"""`lms tokens ...` commands."""
from __future__ import annotations

import click


@click.group("tokens")
def tokens_group() -> None:
    """API tokens: create, list, revoke."""
