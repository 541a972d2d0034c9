"""Application factory."""
from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask

from app.config import load_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Every module that declares models, so the metadata (and Alembic) sees them all.
MODEL_MODULES = ("app.core.jobs", "app.org.models", "app.api.models", "app.media.models", "app.catalog.models",
                 "app.quiz.models", "app.study.progress.models", "app.study.sessions.models", "app.study.ratings.models",
                 "app.survey.models", "app.records.models")



def create_app(config: dict | None = None) -> Flask:
    settings = load_settings(config)
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from app.core.security import load_or_create_secret_key, set_security_headers  # deferred: create_app loads the domains, importing app alone does not

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)

    from app.core.params import AppRequest, BoundedIntegerConverter, LazyBuilderRule  # deferred: create_app loads the domains, importing app alone does not

    app.request_class = AppRequest  # query and form text without NUL characters
    app.url_map.converters["int"] = BoundedIntegerConverter  # before any rule is added
    app.url_rule_class = LazyBuilderRule
    _init_extensions(app)
    _register_blueprints(app)

    from app.core.errors import register_error_handlers  # deferred: create_app loads the domains, importing app alone does not

    register_error_handlers(app)
    app.after_request(set_security_headers)
    app.after_request(_commit_request)

    from app.cli import register_commands  # deferred: create_app loads the domains, importing app alone does not

    register_commands(app)
    return app


def init_migrations(app: Flask) -> Flask:
    """Attach Flask-Migrate (Alembic) to ``app``: what migrates needs it (`lms init`, `lms db ...`,
    the tests' schema set-up); a server never does, and Alembic costs about 0.3 s and 11 MiB at
    start-up. The command line's app has it (app.cli), `lms serve` and gunicorn's do not."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate  # deferred: Alembic loads only where something migrates

        from app.extensions import db  # deferred: `lms --help` imports this package, not SQLAlchemy

        Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    return app


def _init_extensions(app: Flask) -> None:
    # Every model first: domain modules build some statements once at import (a heartbeat's), and
    # building one configures the mappers, which must then find every class they name.
    for module in MODEL_MODULES:
        __import__(module)

    from app.core.i18n import select_babel_locale, select_locale  # deferred: create_app loads the domains, importing app alone does not
    from app.core.body_limits import init_body_limits  # deferred: create_app loads the domains, importing app alone does not
    from app.core.jobs import init_jobs  # deferred: create_app loads the domains, importing app alone does not
    from app.core.permissions import can  # deferred: create_app loads the domains, importing app alone does not
    from app.extensions import babel, csrf, db, limiter, login_manager  # deferred: `lms --help` imports this package, not SQLAlchemy
    from app.subscriptions import connect_receivers  # deferred: it imports the domains, which import app.extensions

    connect_receivers()  # the one ordered list of domain-event receivers
    db.init_app(app)
    login_manager.init_app(app)
    init_body_limits(app)  # first: the CSRF check below parses the body
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_babel_locale)
    app.jinja_env.globals["locale_code"] = select_locale
    app.jinja_env.globals["can"] = can  # templates ask the same capability table as the views
    app.jinja_env.bytecode_cache = template_bytecode_cache(app)
    limiter.init_app(app)
    init_jobs(app)

    from app.api import api  # deferred: create_app loads the domains, importing app alone does not
    from app.api.auth import load_account_from_token  # deferred: create_app loads the domains, importing app alone does not

    api.init_app(app)
    login_manager.request_loader(load_account_from_token)  # media bytes for API clients


def template_bytecode_cache(app: Flask):
    """Compiled templates kept in the instance folder: a server's first pages then skip compiling
    their templates (about 20 ms for the login page). Jinja keys each entry on the template's
    name and source checksum; the file names add Jinja's version and the environment's
    extensions and options, which shape the compiled code too, so an upgrade compiles afresh."""
    import jinja2  # deferred: create_app loads the domains, importing app alone does not

    environment = app.jinja_env
    def named(value):  # a callable option by its name, not by its address in this process
        return getattr(value, "__qualname__", value)

    shape = repr((jinja2.__version__, sorted(environment.extensions), named(environment.autoescape),
                  environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
                  environment.optimized, named(environment.finalize)))
    fingerprint = hashlib.sha256(shape.encode()).hexdigest()[:12]
    directory = Path(app.instance_path) / "template-cache"
    directory.mkdir(exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(directory), pattern=f"{fingerprint}-%s.cache")


def _register_blueprints(app: Flask) -> None:
    from app.extensions import csrf  # deferred: `lms --help` imports this package, not SQLAlchemy
    from app.api.resources import blp as api_blp  # deferred: create_app loads the domains, importing app alone does not
    from app.catalog.blueprint import catalog_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.packages.blueprint import packages_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.core.views import bp as core_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.home.views import home_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.media.blueprint import media_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.home.me_views import me_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.study.progress.views import progress_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.org.blueprint import auth_bp, org_bp  # deferred: create_app loads the domains, importing app alone does not
    from app.quiz.blueprint import quiz_bp  # deferred: create_app loads the domains, importing app alone does not

    for blueprint in (core_bp, home_bp, auth_bp, org_bp, catalog_bp, packages_bp, quiz_bp, me_bp, progress_bp,
                      media_bp):
        app.register_blueprint(blueprint)
    from app.study.sessions.blueprint import sessions_bp  # deferred: create_app loads the domains, importing app alone does not
    app.register_blueprint(sessions_bp)  # group sessions and terminal mode
    from app.study.ratings.blueprint import ratings_bp  # deferred: create_app loads the domains, importing app alone does not
    app.register_blueprint(ratings_bp)  # course evaluations
    from app.survey.blueprint import survey_bp  # deferred: create_app loads the domains, importing app alone does not
    app.register_blueprint(survey_bp)  # questionnaires
    from app.records.blueprint import records_bp  # deferred: create_app loads the domains, importing app alone does not
    app.register_blueprint(records_bp)

    from app.api import api  # deferred: create_app loads the domains, importing app alone does not

    api.register_blueprint(api_blp)
    csrf.exempt(api_blp)  # the API authenticates with bearer tokens, never cookies


def _commit_request(response):
    """The one place a request's work is committed (views and services only flush)."""
    from app.extensions import db  # deferred: `lms --help` imports this package, not SQLAlchemy

    session = db.session()
    if not session.in_transaction():
        # Nothing began since the last commit (a health check, or a heartbeat whose batch the
        # progress writer committed): committing would begin and end an empty transaction and
        # expire every object the session holds.
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response
