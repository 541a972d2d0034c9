"""Reliability: 200 concurrent clients, 20 batches each, with duplicates, re-sent batches and
shuffled order, against a real threaded server. Every learner ends with exactly the unique
watched seconds their clients played, on SQLite and PostgreSQL."""
from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.api.services import create_token
from app.core.model_base import utcnow
from app.extensions import db
from app.org.choices import Role
from app.study.progress import services as progress
from app.study.progress.models import ProgressEvent
from tests.factories import create_account, create_person
from tests.unit.study.study_data import learners_seen_since, video_course

CLIENTS = 200
BATCHES = 20
CLIENTS_PER_LEARNER = 4  # a phone, a tablet, ...: all one learner, overlapping stretches
LEARNERS = CLIENTS // CLIENTS_PER_LEARNER
STEP = 15.0
EVENTS_PER_BATCH = 2
# Client k of a learner plays [k * OFFSET, k * OFFSET + SPAN]: overlapping, so re-watched seconds
# must count once: the union is [0, (CLIENTS_PER_LEARNER - 1) * OFFSET + SPAN].
SPAN = STEP * EVENTS_PER_BATCH * BATCHES  # 600 s
OFFSET = 500.0
EXPECTED_SECONDS = (CLIENTS_PER_LEARNER - 1) * OFFSET + SPAN  # 2100 s


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.request_queue_size = 256  # 200 clients connect at once
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _client_batches(lesson_id: int, client_index: int, base) -> list[list[dict]]:
    rng = random.Random(client_index)
    start = (client_index % CLIENTS_PER_LEARNER) * OFFSET
    events = []
    for number in range(BATCHES * EVENTS_PER_BATCH):
        position = start + number * STEP
        events.append({"id": str(uuid.uuid4()), "lesson_id": lesson_id, "start": position, "end": position + STEP,
                       "at": (base + timedelta(seconds=(number + 1) * STEP)).isoformat()})
    batches = [events[i:i + EVENTS_PER_BATCH] for i in range(0, len(events), EVENTS_PER_BATCH)]
    for index in range(1, len(batches)):
        batches[index] = batches[index] + [rng.choice(events[:index * EVENTS_PER_BATCH])]  # a duplicate
    batches += [list(rng.choice(batches)) for _ in range(3)]  # whole batches re-sent (a lost answer)
    rng.shuffle(batches)  # replayed out of order
    return batches


def _post(port: int, token: str, batch: list[dict]) -> dict:
    body = json.dumps({"events": batch})
    for attempt in range(10):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", "/api/v1/progress", body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            # No server error is acceptable: a deadlock or a lock timeout would show up here.
            assert response.status == 200, (response.status, payload)
            return json.loads(payload)
        except (ConnectionError, TimeoutError):
            pass  # the connection was refused under load: try again, like progress.js
        finally:
            connection.close()
        time.sleep(0.05 * (attempt + 1))
    raise AssertionError("a batch was never accepted")


def _get(port: int, token: str, lesson_id: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", f"/api/v1/progress?lesson_id={lesson_id}", headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        payload = response.read()
        assert response.status == 200, (response.status, payload)
        return json.loads(payload)
    finally:
        connection.close()


@pytest.mark.slow
def test_200_clients_produce_exact_unique_seconds_per_learner(app, world, served):
    lesson = video_course(world, duration=3600).lessons[0]
    learners, tokens = [], []
    for number in range(LEARNERS):
        person = create_person(world.branch_a1, f"学员{number}")
        account = create_account(f"learner-{number}", Role.MEMBER, world.branch_a1, person=person)
        learners.append(person)
        tokens.append(create_token(account, "load")[1])
    base = utcnow() - timedelta(hours=1)
    learners_seen_since(base)  # the devices were offline for the hour they replay now
    db.session.commit()
    plans = [(tokens[index // CLIENTS_PER_LEARNER], _client_batches(lesson.id, index, base))
             for index in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def run(plan):
        token, batches = plan
        barrier.wait(timeout=60)
        accepted = duplicates = 0
        for batch in batches:
            answer = _post(served, token, batch)
            accepted += answer["accepted"]
            duplicates += answer["duplicates"]
        return accepted, duplicates, sum(len(batch) for batch in batches)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(run, plans))
    elapsed = time.monotonic() - started

    unique_events = CLIENTS * BATCHES * EVENTS_PER_BATCH
    assert sum(accepted for accepted, _, _ in results) == unique_events
    assert sum(accepted + duplicates for accepted, duplicates, _ in results) == sum(sent for _, _, sent in results)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent)) == unique_events
    # Read through the API, as clients do: a read sees every batch answered before it.
    watched = {index: _get(served, token, lesson.id)["watched_seconds"] for index, token in enumerate(tokens)}
    assert watched == {index: EXPECTED_SECONDS for index in range(LEARNERS)}
    db.session.expire_all()
    assert {progress.get_progress(person.id, lesson)["watched_seconds"] for person in learners} == {EXPECTED_SECONDS}
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent).where(~ProgressEvent.folded)) == 0
    # Not a speed check (bench/ measures speed): only that no request hung on a lock.
    assert elapsed < 600, f"{elapsed:.1f} s"
