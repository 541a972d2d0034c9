"""Organiser reports at county scale: SQLite and PostgreSQL.

    .venv/bin/python bench/bench_records.py                       # 50,000 people, 3 years, both databases
    LMS_BENCH_DB=sqlite LMS_BENCH_PEOPLE=10000 .venv/bin/python bench/bench_records.py

Builds a county of LMS_BENCH_PEOPLE people (6 townships, about 8,000 people each at full size)
with LMS_BENCH_YEARS years of development-file entries, LMS_BENCH_ENTRIES entries a person a
year (default 40: 50,000 x 3 x 40 = 6 million rows), chained and hashed as the application
writes them. Then it measures, as the township's organiser:
  - the township dashboard (per-branch roll-up of the current year),
  - a branch drill-down (per-person rows),
  - the XLSX export of the township for one year (streamed; peak Python memory reported).
Targets: dashboard under 1 s, township export under 10 s, memory flat.
"""
from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.common import backends, bench_app, measure  # noqa: E402

PEOPLE = int(os.environ.get("LMS_BENCH_PEOPLE", "50000"))
YEARS = int(os.environ.get("LMS_BENCH_YEARS", "3"))
ENTRIES = int(os.environ.get("LMS_BENCH_ENTRIES", "40"))
TOWNSHIPS = 6
BRANCHES_PER_TOWNSHIP = 25
THIS_YEAR = datetime.now(timezone.utc).year
KINDS = ["credit"] * 5 + ["course_completed", "session_attendance", "quiz_passed"]
STATUSES = ["present"] * 6 + ["late", "absent", "on_leave"]


def build_county():
    from app.extensions import db
    from app.org import services
    from app.org.choices import Role, UnitLevel
    from app.org.id_number import make_id_number
    from app.org.models import Person
    from app.records.hashing import entry_hash
    from app.records.integrity import chain_key
    from app.records.models import DevelopmentEntry

    county = services.create_unit(code="C", name="基准旗", level=UnitLevel.COUNTY)
    townships, branches = [], []
    for t in range(TOWNSHIPS):
        township = services.create_unit(code=f"T{t}", name=f"第{t}镇", level=UnitLevel.TOWNSHIP, parent=county)
        townships.append(township)
        for b in range(BRANCHES_PER_TOWNSHIP):
            branches.append(services.create_unit(code=f"T{t}B{b:02d}", name=f"第{t}镇{b}村党支部",
                                                 level=UnitLevel.BRANCH, parent=township))
    since = datetime(THIS_YEAR - YEARS - 1, 6, 1, tzinfo=timezone.utc)
    born = datetime(1970, 1, 1).date()
    rows = []
    for index in range(PEOPLE):
        rows.append({"unit_id": branches[(index // 50) % len(branches)].id, "name": f"成员{index}",
                     "id_number": make_id_number("15" + f"{index // 1000:04d}", born, index % 1000),
                     "phone": f"13{index:09d}", "category": "full_member", "is_prosperity_leader": False,
                     "created_at": since})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Person), rows[start:start + 5000])
    db.session.commit()
    people = db.session.execute(select(Person.id, Person.unit_id).order_by(Person.id)).all()
    rng = random.Random(11)
    key = chain_key()
    batch, total, started = [], 0, time.perf_counter()
    next_id = 0
    for person_id, unit_id in people:
        prev, sequence = "", 0
        for year in range(THIS_YEAR - YEARS + 1, THIS_YEAR + 1):
            for number in range(ENTRIES):
                sequence += 1
                next_id += 1  # ids are hashed: given here rather than by the database
                kind = rng.choice(KINDS)
                entry = SimpleNamespace(
                    id=next_id, uid=str(uuid.UUID(int=rng.getrandbits(128))), person_id=person_id, sequence=sequence,
                    unit_id=unit_id, year=year, kind=kind,
                    occurred_at=datetime(year, 1, 1, tzinfo=timezone.utc) + timedelta(hours=number * 100),
                    source="self_study", course_id=None, session_id=None, attempt_id=None, grant_id=None,
                    title="课程", hours=Decimal("0.500") if kind == "credit" else Decimal("0.000"),
                    score=90.0 if kind == "quiz_passed" else None,
                    status=rng.choice(STATUSES) if kind == "session_attendance" else "", note="",
                    corrects_id=None, recorded_by_id=None)
                entry.prev_hash = prev
                entry.created_at = entry.occurred_at
                entry.hash = prev = entry_hash(entry, key)
                batch.append(vars(entry))
        if len(batch) >= 20000:
            db.session.execute(insert(DevelopmentEntry), batch)
            total += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(DevelopmentEntry), batch)
        total += len(batch)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('development_entry', 'id'), :last)"),
                           {"last": next_id})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    print(f"  generated {len(people)} people and {total} entries in {time.perf_counter() - started:.0f} s")
    organiser = services.create_account(username="township", role=Role.ORGANISER, scope_unit=townships[0])
    db.session.commit()
    return organiser, townships[0], branches[0]


def run(kind: str) -> None:
    from app.extensions import db
    from app.records import exports
    from app.records.dashboard import build_report

    with bench_app(kind) as app:
        print(f"{kind}: {PEOPLE} people x {YEARS} years x {ENTRIES} entries")
        organiser, township, branch = build_county()
        with app.test_request_context():
            dashboard = measure(lambda: build_report(organiser, township, THIS_YEAR), repeat=5)
            drill = measure(lambda: build_report(organiser, branch, THIS_YEAR), repeat=5)
            people = build_report(organiser, township, THIS_YEAR).total.people
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            with tempfile.TemporaryFile() as out:
                started = time.perf_counter()
                exports.write_xlsx(organiser, township, THIS_YEAR, out)
                seconds = time.perf_counter() - started
                size = out.tell()
            # Peak resident size grows only if the export needed more than anything before it.
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
            db.session.rollback()
        print(f"  township dashboard ({people} people): median {dashboard['median_ms']:.0f} ms, "
              f"p95 {dashboard['p95_ms']:.0f} ms (target < 1000)")
        print(f"  branch drill-down: median {drill['median_ms']:.0f} ms, p95 {drill['p95_ms']:.0f} ms")
        print(f"  township XLSX export: {seconds:.1f} s (target < 10), {size / 1e6:.1f} MB file, "
              f"peak memory grew by {grown / 1e6:.0f} MB")
        from app.records import integrity

        started = time.perf_counter()
        checkpoint = integrity.write_checkpoint()
        db.session.commit()
        written = time.perf_counter() - started
        started = time.perf_counter()
        report = integrity.verify_chains()
        verified = time.perf_counter() - started
        db.session.rollback()
        assert report.ok, report.problems[:3]
        print(f"  lms records checkpoint: {written:.1f} s; lms records verify: {verified:.1f} s for "
              f"{report.checked} entries ({report.checked / verified:.0f} entries/s), "
              f"{len(checkpoint.heads)} heads")


if __name__ == "__main__":
    for backend in backends():
        run(backend)
