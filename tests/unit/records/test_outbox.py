"""The outbox delivers xAPI statements to a real local HTTP receiver that is down at first."""
from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.model_base import utcnow
from app.extensions import db
from app.records import outbox
from app.records.models import DevelopmentEntry, OutboxStatement
from app.records.xapi import vocabulary
from tests.factories import create_course
from tests.unit.records.records_data import complete_course, entries_of


class Receiver:
    """An LRS stand-in: answers 503 while down, else stores each statement (by id) and answers 200."""

    def __init__(self):
        self.up = False
        self.received: list[dict] = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if not receiver.up:
                    receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"[]")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/statements"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    receiver = Receiver()
    app.config["RECORDS_FEED_URL"] = receiver.url
    yield receiver
    receiver.close()


def test_no_outbox_rows_without_a_receiver(world):
    complete_course(world.person_a1, create_course(world.township_a, lessons=1))
    assert db.session.scalar(select(DevelopmentEntry.id)) is not None
    assert db.session.scalars(select(OutboxStatement)).all() == []


def test_statements_wait_while_the_receiver_is_down_and_arrive_once_when_it_is_up(world, app, receiver):
    complete_course(world.person_a1, create_course(world.township_a, lessons=1, credit_hours="2"))
    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    db.session.commit()
    uids = set(db.session.scalars(select(DevelopmentEntry.uid)))
    assert len(uids) == 4

    now = utcnow()
    report = outbox.deliver_due(now=now)
    db.session.commit()
    assert (report.delivered, report.failed, receiver.refused) == (0, 1, 1)
    backlog = outbox.backlog()
    assert backlog.pending == 4 and "503" in backlog.last_error and backlog.next_attempt_at > now
    assert outbox.deliver_due(now=now + timedelta(seconds=1)).failed == 0  # backing off: no request at all
    assert receiver.refused == 1

    # A restart: the rows are in the database, not in memory.
    db.session.remove()
    receiver.up = True
    later = now + timedelta(minutes=5)
    report = outbox.deliver_due(now=later)
    db.session.commit()
    assert report.delivered == 4
    ids = [statement["id"] for statement in receiver.received]
    assert sorted(ids) == sorted(uids) and len(set(ids)) == len(ids)
    assert outbox.backlog().pending == 0 and outbox.backlog().last_delivered_at is not None
    assert outbox.deliver_due(now=later + timedelta(hours=1)).delivered == 0  # delivered rows are not sent again

    verbs = {statement["verb"]["display"]["en-US"] for statement in receiver.received}
    assert verbs == {"completed", "earned credit hours in"}
    credit = next(s for s in receiver.received if s["verb"]["display"]["en-US"] == "earned credit hours in")
    assert credit["result"]["extensions"][vocabulary().extension("credit-hours")] == "2.000"
    assert credit["result"]["duration"] == "PT2H"
    # A keyed name, not the database id (another installation numbers people differently).
    assert credit["actor"]["account"]["name"].startswith("p-")


def test_the_deliver_command_reports_the_backlog(world, app, receiver):
    complete_course(world.person_a1, create_course(world.township_a, lessons=1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["records", "deliver"])
    assert result.exit_code == 0 and "0 delivered, 1 failed, 0 refused; 2 waiting, 0 refused in all." in result.output
    receiver.up = True
    db.session.execute(OutboxStatement.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["records", "deliver"])
    assert "2 delivered, 0 failed, 0 refused; 0 waiting, 0 refused in all." in result.output
    assert len({s["id"] for s in receiver.received}) == 2


def _assert_valid_statement(statement: dict) -> None:
    """The parts of xAPI 1.0.3 a receiver checks first: a UUID id, an Agent identified by an
    account, verb and activity IRIs, an ISO 8601 timestamp, extensions keyed by IRIs."""
    uuid.UUID(statement["id"])
    actor = statement["actor"]
    assert actor["objectType"] == "Agent" and set(actor["account"]) == {"homePage", "name"}
    assert statement["verb"]["id"].startswith("http") and statement["verb"]["display"]
    assert statement["object"]["objectType"] == "Activity" and statement["object"]["id"].startswith("http")
    datetime.fromisoformat(statement["timestamp"])
    assert all(key.startswith("http") for key in statement["result"]["extensions"])


def test_the_feed_carries_every_head_and_every_checkpoint(world, app, receiver):
    complete_course(world.person_a1, create_course(world.township_a, lessons=1, credit_hours="2"))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["records", "checkpoint"])
    assert result.exit_code == 0, result.output
    receiver.up = True
    assert outbox.deliver_due().delivered == 3
    db.session.commit()
    for statement in receiver.received:
        _assert_valid_statement(statement)
    by_id = {statement["id"]: statement for statement in receiver.received}
    words = vocabulary()
    for entry in entries_of(world.person_a1):
        extensions = by_id[entry.uid]["result"]["extensions"]
        assert extensions[words.extension("entry-sequence")] == entry.sequence
        # The first entry has no previous hash: the key is left out (xAPI refuses empty values).
        assert (extensions[words.extension("entry-hash")],
                extensions.get(words.extension("previous-hash"), "")) == (entry.hash, entry.prev_hash)
    checkpoint = receiver.received[-1]
    assert checkpoint["verb"]["id"] == words.verb("checkpointed")
    body = json.loads(Path(app.config["RECORDS_CHECKPOINT_PATH"]).read_text(encoding="utf-8"))
    signature = body.pop("signature")
    values = checkpoint["result"]["extensions"][words.extension("checkpoint")]
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert values["digest"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert (values["signature"], values["number"], values["people"], values["entries"]) == (signature, 1, 1, 2)
