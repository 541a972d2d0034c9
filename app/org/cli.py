"""`lms members ...` commands."""
from __future__ import annotations

import click


@click.group("members")
def members_group() -> None:
    """Members: roster import and activation slips."""
