"""The `lms` command: every `flask` command plus the product's own."""
from __future__ import annotations

import gc
import json
import logging
import sys

import click
from click.utils import make_default_short_help
from flask import current_app
from flask.cli import FlaskGroup, NoAppException, ScriptInfo, with_appcontext

# What `lms --help` lists, written down so that listing needs neither the app nor the modules
# that define the commands (building the app takes seconds; the listing should not).
# tests/unit/core/test_cli_listing.py checks it against the commands the app really has.
# Commands that installed packages add through Flask's plugin entry points.
PLUGIN_COMMANDS = ("limiter", "openapi")
COMMAND_SUMMARIES = {
    "courses": "Course packages: validate, import, export (see courses/README.md).",
    "db": "Perform database migrations.",
    "demo": "Load the demo county (idempotent) and print every demo login.",
    "i18n": "Translation catalogs (source strings are English; zh_CN is the default UI).",
    "init": "Create the instance folder and secret key, migrate the database to head, create the top "
            "unit (the county) if there is none, add an admin.",
    "limiter": "Flask-Limiter maintenance & utility commands",
    "media": "Media files: bulk ingest, posters made again.",
    "members": "Members: roster import and activation slips.",
    "openapi": "OpenAPI commands.",
    "quiz": "Question banks: import and export.",
    "records": "Development files: verify, checkpoint, rechain, export, deliver the outbound feed.",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "serve": "Serve the app with waitress and run the background-job consumer in the same process.",
    "shell": "Run a shell in the app context.",
    "tokens": "API tokens: create, list, revoke.",
    "worker": "Run a background-job consumer alone (scale-out: one or more per machine).",
}


class LazyAppGroup(FlaskGroup):
    """FlaskGroup whose command listing comes from COMMAND_SUMMARIES: `lms --help` builds no app.

    Running a command (or asking for its own --help) still loads the app as FlaskGroup does.
    """

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands or name in PLUGIN_COMMANDS or name not in COMMAND_SUMMARIES:
            return super().get_command(ctx, name)
        # The app's own commands come from the app without importing every installed plugin
        # first, as FlaskGroup does (that loads Alembic for `lms serve`, which never migrates).
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None
        if name == "db":
            init_migrations_on(app)  # Flask-Migrate adds its `db` group to the app it is attached to
        if not current_app or current_app._get_current_object() is not app:
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_SUMMARIES)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(COMMAND_SUMMARIES[name], limit)) for name in names])


def _create_app():
    from app import create_app  # deferred: keeps `lms --help` fast
    from app.config import load_settings, unused_drivers  # deferred: keeps `lms --help` fast

    for module in unused_drivers(load_settings()):
        sys.modules.setdefault(module, None)  # import raises ImportError: see unused_drivers
    # Building the app makes some 140,000 long-lived objects (modules, classes, mappers, URL
    # rules) and almost no garbage: the collector would walk them again and again (about a
    # tenth of the start-up). It sleeps while they are made, and gc.freeze() then keeps them out
    # of every later collection, which also makes the collections while serving cheaper. The
    # price: the ~2,000 cyclic objects the build leaves behind (well under 1 MiB, once per
    # process) are frozen with the rest rather than paying a full collection (0.1 s) first.
    gc.disable()
    try:
        return create_app()
    finally:
        gc.freeze()
        gc.enable()


def init_migrations_on(app) -> None:
    from app import init_migrations  # deferred: keeps `lms --help` fast

    init_migrations(app)


@click.group(cls=LazyAppGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Rural distance-education LMS."""


@click.command("init")
@click.option("--admin", "admin_username", help="Username of the administrator to create.")
@click.option("--password", help="Administrator password (prompted when omitted).")
@click.option("--county", "county_name", help="Name of the top unit (the county), created when there is no unit yet "
                                               "(default 本县; rename it later).")
@click.option("--county-code", help="Code of that top unit (default: county).")
@with_appcontext
def init_command(admin_username: str | None, password: str | None, county_name: str | None,
                 county_code: str | None) -> None:
    """Create the instance folder and secret key, migrate the database to head, create the top
    unit (the county) if there is none, add an admin."""
    from flask_migrate import upgrade  # deferred: Alembic loads only for migrations

    from sqlalchemy import select  # deferred: `lms --help` imports this module, not SQLAlchemy

    from app.extensions import db  # deferred: `lms --help` imports this module, not SQLAlchemy
    from app.org import services  # deferred: keeps `lms --help` fast
    from app.org.choices import Role  # deferred: keeps `lms --help` fast
    from app.org.models import Account  # deferred: keeps `lms --help` fast

    init_migrations_on(current_app)
    upgrade()
    click.echo(f"Instance folder: {current_app.instance_path}")
    click.echo("Database is at the latest schema.")
    from app.catalog.services import ensure_builtin_categories  # deferred: keeps `lms --help` fast

    ensure_builtin_categories()
    try:
        county, created = services.ensure_top_unit(county_name, county_code)
    except services.OrgError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if created:
        click.echo(f"Top unit {county.name} ({county.code}) created.")
    elif county_name and county_name != county.name:
        click.echo(f"Top unit {county.name} already exists; left unchanged.")
    has_admin = db.session.scalar(select(Account.id).where(Account.role == Role.ADMIN).limit(1))
    if admin_username is None and has_admin:
        return
    if admin_username is None:
        admin_username = click.prompt("Administrator username", default="admin")
    existing = db.session.scalar(select(Account).where(Account.username == admin_username))
    if existing is not None:
        click.echo(f"Account {admin_username} already exists; left unchanged.")
        return
    if password is None:
        password = click.prompt("Administrator password", hide_input=True, confirmation_prompt=True)
    try:
        services.create_account(username=admin_username, role=Role.ADMIN, password=password,
                                display_name=admin_username)
    except services.OrgError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Administrator {admin_username} created.")


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the demo logins as JSON on stdout.")
@click.option("--no-courses", is_flag=True, help="Units, people and accounts only (no courses or sessions).")
@with_appcontext
def demo_command(as_json: bool, no_courses: bool) -> None:
    """Load the demo county (idempotent) and print every demo login.

    Also imports the starter library from courses/, publishes it to the county and schedules
    a group session per branch for the coming week and one last week with attendance.
    Key-point videos are transcoded by the job consumer of `lms serve` (or `lms worker`).
    """
    from app.demo import build_demo  # deferred: keeps `lms --help` fast

    logins = build_demo(with_courses=not no_courses)
    if as_json:
        click.echo(json.dumps([login.as_dict() for login in logins], ensure_ascii=False, indent=2))
        return
    click.echo(f"{'username':<20} {'password':<16} {'role':<10} unit")
    for login in logins:
        click.echo(f"{login.username:<20} {login.password:<16} {login.role:<10} {login.unit}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-jobs", is_flag=True, help="Do not run the embedded job consumer (use `lms worker`).")
@with_appcontext
def serve_command(host: str, port: int, threads: int, no_jobs: bool) -> None:
    """Serve the app with waitress and run the background-job consumer in the same process."""
    from waitress import serve  # deferred: the WSGI server loads only for `lms serve`

    from app.core.jobs import make_consumer  # deferred: keeps `lms --help` fast

    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    consumer = None
    if not no_jobs:
        consumer = make_consumer(app, embedded=True)
        consumer.start()
        click.echo(f"Background jobs: embedded consumer ({'Redis' if app.config['REDIS_URL'] else 'SQLite'} queue)")
    click.echo(f"Serving on http://{host}:{port}")
    try:
        serve(app, host=host, port=port, threads=threads, ident="lms")
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@click.command("worker")
@click.option("--workers", default=None, type=int, help="Worker threads (default LMS_JOB_WORKERS or 2).")
@with_appcontext
def worker_command(workers: int | None) -> None:
    """Run a background-job consumer alone (scale-out: one or more per machine)."""
    from app.core.jobs import make_consumer  # deferred: keeps `lms --help` fast

    app = current_app._get_current_object()
    if workers:
        app.config["JOBS_WORKERS"] = workers
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config["JOBS_EAGER"]:
        raise click.ClickException("JOBS_EAGER is set: jobs run inline, there is nothing to consume.")
    click.echo(f"Worker consuming from {'Redis' if app.config['REDIS_URL'] else 'SQLite'} queue", err=True)
    make_consumer(app, embedded=False).run()


@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogs (source strings are English; zh_CN is the default UI)."""


@i18n_group.command("update")
@click.option("--locale", default="zh_Hans_CN", show_default=True)
def i18n_update(locale: str) -> None:
    """Extract strings, merge app/translations/fragments/*.po, write and compile the catalog."""
    from app.core.i18n import update_catalog  # deferred: keeps `lms --help` fast

    missing = update_catalog(locale)
    for message_id in missing:
        click.echo(f"untranslated: {message_id}", err=True)
    click.echo(f"{locale}: {len(missing)} untranslated")


def register_commands(app) -> None:
    from app.api.cli import tokens_group  # deferred: keeps `lms --help` fast
    from app.packages.cli import courses_group  # deferred: keeps `lms --help` fast
    from app.media.cli import media_group  # deferred: keeps `lms --help` fast
    from app.org.cli import members_group  # deferred: keeps `lms --help` fast
    from app.quiz.cli import quiz_group  # deferred: keeps `lms --help` fast
    from app.records.cli import records_group  # deferred: keeps `lms --help` fast

    for command in (init_command, demo_command, serve_command, worker_command, members_group, tokens_group,
                    quiz_group, media_group, courses_group, i18n_group, records_group):
        app.cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
