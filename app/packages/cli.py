"""`lms courses ...`: course packages in and out."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db


def _load(path: Path, workdir: Path):
    """A package folder, or a zip unpacked into workdir."""
    from app.packages.manifest import extract_zip, load_package  # deferred: keeps `lms --help` fast

    folder = extract_zip(path, workdir / "package") if path.is_file() else path
    return load_package(folder)


def _fail(error) -> None:
    for problem in error.problems:
        click.echo(f"  {problem}", err=True)
    raise click.exceptions.Exit(1)


@click.group("courses")
def courses_group() -> None:
    """Course packages: validate, import, export (see courses/README.md)."""


@courses_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def validate_command(paths: tuple[Path, ...]) -> None:
    """Check packages (folders or .zip files) and report every problem with file and line."""
    from app.packages.manifest import PackageError  # deferred: keeps `lms --help` fast

    failed = False
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="lms-validate-") as workdir:
            try:
                package = _load(path, Path(workdir))
            except PackageError as error:
                failed = True
                click.echo(f"{path}: invalid", err=True)
                for problem in error.problems:
                    click.echo(f"  {problem}", err=True)
                continue
        click.echo(f"{path}: ok ({package.slug}, {len(package.lessons)} lessons)")
    if failed:
        raise click.exceptions.Exit(1)


@courses_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--unit", "unit_code", help="Unit that owns new courses (default: the county root).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@with_appcontext
def import_command(paths: tuple[Path, ...], unit_code: str | None, as_json: bool) -> None:
    """Create or update courses from packages; all or nothing per package."""
    from app.packages.services import import_package  # deferred: keeps `lms --help` fast
    from app.packages.manifest import PackageError  # deferred: keeps `lms --help` fast
    from app.catalog.services import ensure_builtin_categories  # deferred: keeps `lms --help` fast
    from app.org.models import Unit  # deferred: keeps `lms --help` fast

    ensure_builtin_categories()
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    else:
        roots = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).limit(2)))
        unit = roots[0] if len(roots) == 1 else None
    if unit is None:
        raise click.ClickException("Name the owning unit with --unit CODE.")
    db.session.commit()
    reports, failed = [], False
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="lms-import-") as workdir:
            try:
                package = _load(path, Path(workdir))
                report = import_package(package, owner_unit=unit)
                db.session.commit()
            except PackageError as error:
                db.session.rollback()
                failed = True
                click.echo(f"{path}: refused, nothing changed", err=True)
                for problem in error.problems:
                    click.echo(f"  {problem}", err=True)
                continue
        reports.append(report.as_dict())
        if not as_json:
            click.echo(f"{report.slug}: {report.action} (version {report.version}, "
                       f"{report.lessons_kept} lessons kept, {report.lessons_changed} new or changed)")
            for note in report.notes:
                click.echo(f"  {note}")
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
    if failed:
        raise click.exceptions.Exit(1)


@courses_group.command("export")
@click.argument("slug")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="A new folder, or a file ending in .zip.")
@with_appcontext
def export_command(slug: str, out: Path) -> None:
    """Write a course as a package that imports back identically."""
    from app.catalog.models import Course  # deferred: keeps `lms --help` fast
    from app.packages.services import export_course  # deferred: keeps `lms --help` fast
    from app.packages.manifest import PackageError  # deferred: keeps `lms --help` fast

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"No course {slug}.")
    try:
        export_course(course, out)
    except PackageError as error:
        if out.suffix != ".zip" and out.exists() and not any(out.iterdir()):
            shutil.rmtree(out, ignore_errors=True)
        _fail(error)
    click.echo(f"Exported {slug} to {out}")
