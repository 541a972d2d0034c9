"""`lms members ...` commands."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from app.core.tabular import csv_writer
from app.extensions import db


@click.group("members")
def members_group() -> None:
    """Members: roster import and activation slips."""


def _unit_by_code(code: str | None):
    from app.org.models import Unit  # deferred: keeps `lms --help` fast

    if code is None:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise click.ClickException(f"No unit with code {code}.")
    return unit


@members_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", help="Only this unit's subtree; rows without a branch code go here if it is a branch.")
@click.option("--dry-run", is_flag=True, help="Check and report only; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def import_command(file: Path, unit_code: str | None, dry_run: bool, as_json: bool) -> None:
    """Import a roster (.xlsx or .csv) as the administrator, upserting by ID number."""
    from app.org import roster_import  # deferred: keeps `lms --help` fast
    from app.org.roster import RosterFileError  # deferred: keeps `lms --help` fast

    unit = _unit_by_code(unit_code)
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            report = roster_import.import_roster(file, account=None, unit=unit, dry_run=dry_run)
        except RosterFileError as error:
            db.session.rollback()
            click.echo(error.message, err=True)
            sys.exit(1)
        result = report.as_dict(max_errors=len(report.errors))
    if not dry_run:
        db.session.commit()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    verb = "would be" if dry_run else "were"
    click.echo(f"{result['total_rows']} rows read: {result['created']} created, {result['updated']} updated, "
               f"{result['unchanged']} unchanged, {result['skipped']} skipped with errors "
               f"({'dry run, nothing saved' if dry_run else 'saved'}).")
    if result["errors"]:
        click.echo(f"Rows with errors {verb} left out:")
        for error in result["errors"]:
            click.echo(f"  row {error['row']}, {error['column']}: {error['message']}")


@members_group.command("slips")
@click.option("--unit", "unit_code", required=True, help="Code of the unit (its whole subtree is covered).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV file to write (name, branch, login, code).")
@with_appcontext
def slips_command(unit_code: str, out_path: Path) -> None:
    """Issue fresh activation codes to everyone not yet activated and write them as CSV."""
    from app.org import roster_import  # deferred: keeps `lms --help` fast

    unit = _unit_by_code(unit_code)
    slips = roster_import.issue_activation_slips(unit)
    # utf-8-sig: Excel on Windows opens it with the right encoding.
    with out_path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv_writer(handle)  # names and branches are typed by people: no formulas
        writer.writerow(["姓名", "支部", "登录名", "激活码"])
        for slip in slips:
            writer.writerow([slip.name, slip.branch, slip.login, slip.code])
    db.session.commit()
    click.echo(f"{len(slips)} activation codes written to {out_path}. Earlier codes of these people no longer work.")
