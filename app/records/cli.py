"""`lms records ...`: verify the chains, checkpoint their heads, re-chain, export, deliver the outbox."""
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
        from app.org.choices import Role  # deferred: keeps `lms --help` fast

        return Role.ADMIN


def _unit_by_code(code: str):
    from app.org.models import Unit  # deferred: keeps `lms --help` fast

    unit = db.session.scalar(select(Unit).where(Unit.code == code.strip()))
    if unit is None:
        raise click.ClickException(f"No unit with code {code}.")
    return unit


@click.group("records")
def records_group() -> None:
    """Development files: verify, checkpoint, rechain, export, deliver the outbound feed."""


def _echo_problem(problem, label: str = "BROKEN") -> None:
    click.echo(f"{label} person {problem.person_id} ({problem.person_name}) entry {problem.entry_id} "
               f"(#{problem.sequence}): {problem.problem}")


@records_group.command("verify")
@click.option("--unit", "unit_code", help="Only people in this unit's subtree.")
@with_appcontext
def verify_command(unit_code: str | None) -> None:
    """Check every person's keyed hash chain and the signed checkpoint of their heads; name the
    first changed entry per person and every file shorter than the checkpoint (exit 1 if any)."""
    from app.records.integrity import checkpoint_path, verify_chains  # deferred: keeps `lms --help` fast

    unit = _unit_by_code(unit_code) if unit_code else None
    report = verify_chains(unit.path if unit else None)
    db.session.rollback()
    if report.checkpoint_error:
        click.echo(f"BROKEN checkpoint: {report.checkpoint_error}")
    for problem in report.problems:
        _echo_problem(problem)
    if report.checkpoint is not None:
        click.echo(f"Checkpoint #{report.checkpoint.number} of {report.checkpoint.written_at}: "
                   f"{len(report.checkpoint.heads)} files, {report.checkpoint.entries} entries.")
    elif not report.checkpoint_error:
        click.echo(f"No checkpoint yet ({checkpoint_path()}): a removed last entry or file is only noticed "
                   "after `lms records checkpoint` (the job writes one every hour).")
    click.echo(f"{report.checked} entries of {report.people} people checked, {len(report.problems)} broken chain(s).")
    if not report.ok:
        sys.exit(1)


@records_group.command("checkpoint")
@with_appcontext
def checkpoint_command() -> None:
    """Write the signed checkpoint of every person's head now (the job does it every hour)."""
    from app.records.integrity import CheckpointError, checkpoint_path, write_checkpoint  # deferred: keeps `lms --help` fast

    try:
        checkpoint = write_checkpoint()
    except CheckpointError as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Not overwritten; see docs/security.md.") from None
    db.session.commit()
    click.echo(f"Checkpoint #{checkpoint.number} written to {checkpoint_path()}: {len(checkpoint.heads)} files, "
               f"{checkpoint.entries} entries.")
    if checkpoint.held_back:
        click.echo(f"{len(checkpoint.held_back)} file(s) no longer reach the head the last checkpoint recorded "
                   "and keep it; `lms records verify` names them.")
        sys.exit(1)


@records_group.command("rechain")
@with_appcontext
def rechain_command() -> None:
    """Once after upgrading to the keyed chain (migration 0014): re-chain the entries still
    carrying the unkeyed hash with the key, then write a checkpoint. Files the unkeyed chain
    does not verify are left as they are and named (exit 1)."""
    from app.records.integrity import (RECHAIN_CHUNK, CheckpointError, chain_key, read_checkpoint,  # deferred: keeps `lms --help` fast
                                       rechain_candidates, rechain_people, write_checkpoint)

    key = chain_key()
    try:
        checkpoint = read_checkpoint(key)
    except CheckpointError as error:
        raise click.ClickException(str(error)) from None
    candidates = rechain_candidates(key, checkpoint)
    db.session.rollback()
    rechained, refused = [], []
    for start in range(0, len(candidates), RECHAIN_CHUNK):
        report = rechain_people(candidates[start:start + RECHAIN_CHUNK], key, checkpoint)
        db.session.commit()
        rechained += report.rechained
        refused += report.refused
    for problem in refused:
        _echo_problem(problem, "REFUSED")
    if rechained:
        write_checkpoint(rechained=frozenset(rechained))
        db.session.commit()
    click.echo(f"{len(rechained)} file(s) re-chained with the key, {len(refused)} refused.")
    if refused:
        sys.exit(1)


@records_group.command("export")
@click.option("--unit", "unit_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(unit_code: str, year: int, fmt: str, out: Path) -> None:
    """Write the unit's development files for the year (XLSX: summary + entries; CSV: entries)."""
    from app.records import exports, services  # deferred: keeps `lms --help` fast

    unit = _unit_by_code(unit_code)
    services.settle_self_study()
    db.session.commit()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]), out.open("wb") as handle:
        (exports.write_xlsx if fmt == "xlsx" else exports.write_csv)(_CountyWide(), unit, year, handle)
    db.session.rollback()
    click.echo(f"Wrote {out}.")


def _require_receiver(outbox) -> None:
    if not outbox.feed_url():
        raise click.ClickException("No receiver configured: set LMS_RECORDS_FEED_URL (see README, Outbound feed).")


def _deliver_and_report(outbox) -> None:
    report = outbox.deliver_due()
    db.session.commit()
    backlog = outbox.backlog()
    click.echo(f"{report.delivered} delivered, {report.failed} failed, {report.refused} refused; "
               f"{backlog.pending} waiting, {backlog.refused} refused in all.")
    if backlog.last_error:
        click.echo(f"Last error: {backlog.last_error}")


@records_group.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Post due statements of the outbox now (the worker also does this every minute)."""
    from app.records import outbox  # deferred: only feed commands need urllib and the mapping

    _require_receiver(outbox)
    _deliver_and_report(outbox)


@records_group.group("feed")
def feed_group() -> None:
    """The outbound xAPI feed: queue earlier entries, retry refused statements, deliver."""


@feed_group.command("backfill")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only entries that happened on or after this local day (YYYY-MM-DD).")
@with_appcontext
def feed_backfill_command(since) -> None:
    """Queue the entries that were never sent (made before the feed was configured)."""
    from app.records import outbox  # deferred: only feed commands need urllib and the mapping

    _require_receiver(outbox)
    queued = outbox.backfill(since.date() if since else None)
    db.session.commit()
    click.echo(f"Queued {queued} earlier entries; the worker delivers them (or run: lms records deliver).")


@feed_group.command("retry")
@with_appcontext
def feed_retry_command() -> None:
    """Queue the statements the receiver refused again (after fixing the receiver's side)."""
    from app.records import outbox  # deferred: only feed commands need urllib and the mapping

    _require_receiver(outbox)
    count = outbox.retry_refused()
    db.session.commit()
    click.echo(f"Queued {count} refused statements again.")
