"""Browser tests: the test app served over real HTTP, driven by Debian's Chromium.

    def test_something(world, live_server, page):         # JavaScript on
        page.goto(live_server.url("/login"))

    def test_without_js(world, live_server, page_no_js):  # JavaScript off

The server shares the `app` fixture's database, so data the test commits
(db.session.commit()) is what the browser sees. Jobs still run eagerly.

Playwright is only ever pointed at /usr/bin/chromium (CI installs the Debian package);
a Playwright browser download would fail on machines without internet access.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    # The machines have no internet: without these Chromium keeps trying to reach Google.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
# Generous enough for a slow CI machine, short enough that a broken page fails quickly.
TIMEOUT_MS = 15_000


@dataclass
class LiveServer:
    host: str
    port: int

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.root + path


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    """The test app served on 127.0.0.1 (a free port) by a threaded WSGI server."""
    in_flight = _InFlight(app)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer("127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        # Request threads are daemons the server does not join: let the last ones (a late
        # heartbeat of a closed page) finish before the tables are emptied under them.
        in_flight.wait_idle(timeout=15)


class _InFlight:
    """Counts the requests the live server is handling (test infrastructure only)."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            body = self.app(environ, start_response)
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        with self.idle:
            self.idle.wait_for(lambda: self.count == 0, timeout=timeout)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run; each test gets its own context."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (bash .ci/install does).",
                    pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable[..., object]]:
    """Factory for pages in fresh browser contexts (own cookies), closed after the test.

    new_page(java_script_enabled=False) gives a page with JavaScript off; other keyword
    arguments go to Browser.new_context.
    """
    contexts = []

    def factory(java_script_enabled: bool = True, **context_options):
        context = browser.new_context(base_url=live_server.root, java_script_enabled=java_script_enabled,
                                      **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield factory
    # Close before the live server stops, so no request is cut off half-way.
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page with JavaScript on."""
    return new_page()


@pytest.fixture
def page_no_js(new_page):
    """A page with JavaScript off: every core page must work without it."""
    return new_page(java_script_enabled=False)
