"""`lms records ...`: verify the hash chains, export, deliver the outbox."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db


class _CountyWide:
    """The command line acts for the administrator: the whole county is in scope."""

    id = None
    scope_unit = None
    is_admin = True
    is_authenticated = True
    person_id = None

    @property
    def role_enum(self):
        from app.org.choices import Role

        return Role.ADMIN


def _unit_by_code(code: str):
    from app.org.models import Unit

    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise click.ClickException(f"No unit with code {code}.")
    return unit


@click.group("records")
def records_group() -> None:
    """Development files: verify, export, deliver the outbound feed."""


@records_group.command("verify")
@click.option("--unit", "unit_code", help="Only people in this unit's subtree.")
@with_appcontext
def verify_command(unit_code: str | None) -> None:
    """Recompute every person's hash chain; name the first changed entry per person (exit 1 if any)."""
    from app.records.services import verify_chains

    unit = _unit_by_code(unit_code) if unit_code else None
    checked, problems = verify_chains(unit.path if unit else None)
    db.session.rollback()
    for problem in problems:
        click.echo(f"BROKEN person {problem.person_id} ({problem.person_name}) entry {problem.entry_id} "
                   f"(#{problem.sequence}): {problem.problem}")
    click.echo(f"{checked} entries checked, {len(problems)} broken chain(s).")
    if problems:
        sys.exit(1)


@records_group.command("export")
@click.option("--unit", "unit_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(unit_code: str, year: int, fmt: str, out: Path) -> None:
    """Write the unit's development files for the year (XLSX: summary + entries; CSV: entries)."""
    from app.records import exports, services

    unit = _unit_by_code(unit_code)
    services.settle_self_study()
    db.session.commit()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]), out.open("wb") as handle:
        (exports.write_xlsx if fmt == "xlsx" else exports.write_csv)(_CountyWide(), unit, year, handle)
    db.session.rollback()
    click.echo(f"Wrote {out}.")


@records_group.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Post due statements of the outbox now (the worker also does this every minute)."""
    from app.records import outbox

    if not outbox.feed_url():
        raise click.ClickException("No receiver configured (LMS_RECORDS_FEED_URL).")
    report = outbox.deliver_due()
    db.session.commit()
    backlog = outbox.backlog()
    click.echo(f"{report.delivered} delivered, {report.failed} failed; {backlog.pending} waiting.")
    if backlog.last_error:
        click.echo(f"Last error: {backlog.last_error}")
