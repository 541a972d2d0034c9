"""Roster import speed: a generated 10,000-row .xlsx, parse+validate and commit wall times.

    .venv/bin/python bench/bench_import.py [--rows 10000]

Runs on a fresh SQLite file and, when reachable, on a fresh PostgreSQL database
(LMS_BENCH_PG_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
created and dropped by this script. The requirement is well under 10 s in total.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app, init_migrations  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org import roster_import, services  # noqa: E402
from app.org.choices import UnitLevel  # noqa: E402
from app.org.id_number import make_id_number  # noqa: E402
from app.org.roster import COLUMNS  # noqa: E402

BRANCHES = 20
CATEGORIES = ["正式党员", "正式党员", "预备党员", "发展对象", "入党积极分子", "群众"]


def build_roster(rows: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([column.header for column in COLUMNS])
    for n in range(rows):
        born = date(1950, 1, 1) + timedelta(days=n // 1000 * 7)
        sheet.append([f"党员{n}", "", "", f"150{n:08d}", make_id_number("150121", born, n),
                      f"B{n % BRANCHES:03d}", CATEGORIES[n % len(CATEGORIES)],
                      "村干部" if n % 20 == 0 else "", "初中", "否", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(label: str, database_url: str, roster: Path, workdir: Path) -> None:
    app = init_migrations(create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance"),
                                      "SECRET_KEY": "bench", "JOBS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://"}))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        county = services.create_unit(code="C", name="县", level=UnitLevel.COUNTY)
        township = services.create_unit(code="T", name="镇", level=UnitLevel.TOWNSHIP, parent=county)
        for b in range(BRANCHES):
            services.create_unit(code=f"B{b:03d}", name=f"村{b}", level=UnitLevel.BRANCH, parent=township)
        db.session.commit()

        started = time.perf_counter()
        parsed, report, existing = roster_import.check_roster_file(roster, account=None)
        checked = time.perf_counter()
        roster_import.write_checked(parsed, report, existing)
        db.session.commit()
        committed = time.perf_counter()
        assert report.created == len(parsed.rows) and not report.errors, report.as_dict(5)

        started_again = time.perf_counter()
        again = roster_import.import_roster(roster, account=None)
        db.session.commit()
        reimported = time.perf_counter()
        assert again.unchanged == report.created
        print(f"{label:<11} parse+validate {checked - started:6.2f} s   commit {committed - checked:6.2f} s   "
              f"total {committed - started:6.2f} s   re-import (unchanged) {reimported - started_again:6.2f} s")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        roster = workdir / "roster.xlsx"
        started = time.perf_counter()
        roster.write_bytes(build_roster(args.rows))
        print(f"{args.rows} rows, {roster.stat().st_size / 1024:.0f} KiB xlsx generated in "
              f"{time.perf_counter() - started:.2f} s")
        run("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", roster, workdir)

        server = make_url(os.environ.get("LMS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
        try:
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            name = f"lms_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:  # noqa: BLE001 - PostgreSQL is optional here
            print(f"PostgreSQL  skipped ({type(error).__name__}: not reachable)")
            return
        try:
            run("PostgreSQL", server.set(database=name).render_as_string(hide_password=False), roster, workdir)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
