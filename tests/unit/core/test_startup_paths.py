"""What a starting server does off its first page's path: the job consumer recovers in a thread
of its own, url_for() builders are made when first used, compiled templates are kept."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask, url_for
from werkzeug.routing import Map, Rule

from app import template_bytecode_cache
from app.core import jobs
from app.core.model_base import utcnow
from app.core.params import LazyBuilderRule
from app.extensions import db
from tests.conftest import login


def test_the_embedded_consumer_recovers_while_pages_are_answered(make_app):
    app = make_app(JOBS_EAGER=False)
    with app.app_context():
        lost = jobs.Job(kind="no-such-kind", status=jobs.JobStatus.RUNNING, attempts=1,
                        worker="another-host|x|1|1|1", heartbeat_at=utcnow() - timedelta(hours=1))
        db.session.add(lost)
        db.session.commit()
        lost_id = lost.id
    release, reached = threading.Event(), threading.Event()

    def slow_cleanup() -> None:
        reached.set()
        assert release.wait(30)

    jobs.register_startup_cleanup(slow_cleanup)
    consumer = jobs.make_consumer(app, embedded=True)
    try:
        consumer.start()  # returns while the recovery still runs
        assert reached.wait(30) and not consumer.ready.is_set()
        with app.app_context():
            assert app.test_client().get("/login").status_code == 200
        release.set()
        assert consumer.ready.wait(30)
        with app.app_context():
            job = db.session.get(jobs.Job, lost_id)
            assert job.status == jobs.JobStatus.FAILED and job.finished_at is not None  # recovered first
    finally:
        release.set()
        consumer.stop(graceful=True)
        jobs.STARTUP_CLEANUPS.remove(slow_cleanup)


def test_a_consumer_stopped_before_it_ran_stops_cleanly(make_app):
    consumer = jobs.make_consumer(make_app(JOBS_EAGER=False), embedded=True)
    consumer.stop(graceful=True)  # never started
    consumer.start()
    consumer.stop(graceful=True)
    assert not consumer._starter.is_alive()


def test_lazy_builders_build_what_werkzeug_builds():
    rules = [("/courses/<int:course_id>", "course", {}), ("/files/<path:name>", "file", {}),
             ("/list", "list", {"page": 1}), ("/u/<string(length=2):code>/x", "code", {})]
    eager, lazy = Map(), Map()
    for path, endpoint, defaults in rules:
        eager.add(Rule(path, endpoint=endpoint, defaults=defaults or None))
        lazy.add(LazyBuilderRule(path, endpoint=endpoint, defaults=defaults or None))
    eager_urls, lazy_urls = eager.bind("lms.example"), lazy.bind("lms.example")
    calls = [("course", {"course_id": 7}), ("course", {"course_id": 7, "tab": "课"}),
             ("file", {"name": "a b/视频.mp4"}), ("list", {}),
             ("code", {"code": "ab"}), ("course", {"course_id": 8})]
    for endpoint, values in calls:
        assert lazy_urls.build(endpoint, values) == eager_urls.build(endpoint, values)
        assert lazy_urls.build(endpoint, values, force_external=True) == eager_urls.build(
            endpoint, values, force_external=True)


def test_the_app_builds_urls_with_lazy_rules(app):
    assert isinstance(app.url_map._rules_by_endpoint["home.index"][0], LazyBuilderRule)
    with app.test_request_context():
        assert url_for("home.index") == "/"
        assert url_for("static", filename="x.css") == "/static/x.css"


def test_compiled_templates_are_kept_in_the_instance_folder(app):
    cache = Path(app.instance_path) / "template-cache"
    for entry in cache.glob("*.cache"):
        entry.unlink()
    assert app.test_client().get("/login").status_code == 200
    assert list(cache.glob("*.cache"))
    fresh = Flask(__name__)
    assert fresh.jinja_env.bytecode_cache is None and app.jinja_env.bytecode_cache is not None


def test_a_url_value_named_rule_is_built_as_any_other(app, world):
    with app.test_request_context():
        assert url_for("catalog.index", rule="x", page=2) in ("/courses?rule=x&page=2", "/courses?page=2&rule=x")
    client = app.test_client()
    login(client, "trainer")
    assert client.get("/media?rule=x&page=1").status_code == 200  # the pager passes request.args on


def test_the_compiled_templates_follow_the_environment(make_app, tmp_path):
    first, second = make_app(), make_app()
    assert first.jinja_env.bytecode_cache.pattern == second.jinja_env.bytecode_cache.pattern  # stable across apps
    second.jinja_env.trim_blocks = not second.jinja_env.trim_blocks
    assert template_bytecode_cache(second).pattern != first.jinja_env.bytecode_cache.pattern


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_failing_recovery_step_is_logged_and_the_consumer_still_starts(make_app):
    app = make_app(JOBS_EAGER=False)
    logged = _Lines()
    logging.getLogger("app.core.jobs").addHandler(logged)

    def broken_cleanup() -> None:
        raise OSError("the scratch folder is on a disk that went away")

    jobs.register_startup_cleanup(broken_cleanup)
    consumer = jobs.make_consumer(app, embedded=True)
    try:
        consumer.start()
        assert consumer.ready.wait(30)
        assert any("broken_cleanup failed" in line and "went away" in line and "Traceback" in line
                   for line in logged.lines)
    finally:
        logging.getLogger("app.core.jobs").removeHandler(logged)
        consumer.stop(graceful=True)
        jobs.STARTUP_CLEANUPS.remove(broken_cleanup)
