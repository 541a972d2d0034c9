"""`lms quiz ...` commands: import and export question banks."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db


@click.group("quiz")
def quiz_group() -> None:
    """Question banks: import and export."""


def _unit(code: str | None):
    from app.org.models import Unit  # deferred: keeps `lms --help` fast

    if code is not None:
        unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
        if unit is None:
            raise click.ClickException(f"No unit with code {code}.")
        return unit
    roots = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).limit(2)))
    if len(roots) != 1:
        raise click.ClickException("Say which unit owns the bank with --unit CODE.")
    return roots[0]


@quiz_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="Bank name; created in the unit when missing.")
@click.option("--unit", "unit_code", help="Unit owning the bank (default: the county, when there is one root).")
@click.option("--format", "format_name", type=click.Choice(["xlsx", "xls", "csv", "gift", "moodle_xml"]),
              help="Force the format instead of detecting it.")
@click.option("--dry-run", is_flag=True, help="Parse and report only; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@with_appcontext
def import_command(file: Path, bank_name: str, unit_code: str | None, format_name: str | None, dry_run: bool,
                   as_json: bool) -> None:
    """Import a question file (Excel, CSV, GIFT, Moodle XML) into a bank. Exit 1 when refused."""
    from app.quiz import queries, services  # deferred: keeps `lms --help` fast

    unit = _unit(unit_code)
    data = file.read_bytes()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        bank = queries.get_bank_by_name(unit, bank_name.strip())
        if bank is None and not dry_run:
            try:
                bank = services.create_bank(name=bank_name, unit=unit)
            except services.QuizError as error:
                raise click.ClickException(str(error)) from None
        outcome = services.import_bank_file(bank, data, filename=file.name, format=format_name, dry_run=dry_run)
    result = outcome.result
    refused = not result.questions
    if refused:
        db.session.rollback()
    elif not dry_run:
        db.session.commit()
    if as_json:
        click.echo(json.dumps(result.to_report(), ensure_ascii=False, indent=2))
    else:
        for error in result.errors:
            click.echo(error.display(), err=True)
        if not refused:
            verb = "would be imported" if dry_run else "imported"
            click.echo(f"{len(result.questions)} questions {verb} into {bank_name}; "
                       f"{len(result.errors)} problems left out.")
    if refused:
        sys.exit(1)


@quiz_group.command("export")
@click.option("--bank", "bank_name", required=True)
@click.option("--unit", "unit_code", help="Unit owning the bank (default: the county).")
@click.option("--format", "format_name", type=click.Choice(["xlsx", "gift", "moodle_xml"]), default="gift",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(bank_name: str, unit_code: str | None, format_name: str, output: Path) -> None:
    """Write a bank as GIFT, Moodle XML or the Excel template."""
    from app.quiz import queries, services  # deferred: keeps `lms --help` fast

    bank = queries.get_bank_by_name(_unit(unit_code), bank_name.strip())
    if bank is None:
        raise click.ClickException(f"No bank named {bank_name}.")
    data, errors = services.export_bank(bank, format_name)
    output.write_bytes(data)
    for error in errors:
        click.echo(error.display(), err=True)
    click.echo(f"Wrote {output} ({len(data)} bytes).")
