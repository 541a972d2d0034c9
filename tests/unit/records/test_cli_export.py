"""`lms records export` writes the unit's year as XLSX (summary + entries) or CSV."""
from __future__ import annotations

import csv

import openpyxl

from app.core.model_base import as_utc, utcnow
from app.extensions import db
from app.records.services import local_year
from tests.factories import create_course
from tests.unit.records.records_data import complete_course


def test_export_command_writes_xlsx_and_csv_of_the_unit_only(world, app, tmp_path):
    complete_course(world.person_a1, create_course(world.township_a, "=危险标题", lessons=1, credit_hours="2"))
    complete_course(world.person_b1, create_course(world.township_b, lessons=1))
    db.session.commit()
    year = str(local_year(utcnow()))
    runner = app.test_cli_runner()
    xlsx = tmp_path / "ta.xlsx"
    result = runner.invoke(args=["records", "export", "--unit", "TA", "--year", year, "--format", "xlsx",
                                 "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(xlsx)
    summary, entries = workbook.worksheets
    assert [row[0] for row in summary.iter_rows(min_row=2, values_only=True)] == ["张甲一"]
    rows = list(entries.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 and {row[1] for row in rows} == {"张甲一"}
    assert all(cell.data_type != "f" for row in entries.iter_rows() for cell in row)  # no formula got in
    # The title is kept as written, in a text cell (the formula-export tests cover every prefix).
    assert "=危险标题" in {row[7] for row in rows}
    # Figures as numbers, the moment in local time, the unit by name: what a spreadsheet user reads.
    from app.records.models import DevelopmentEntry
    from app.core.localtime import local_zone

    stored = {entry.id: entry for entry in db.session.query(DevelopmentEntry).filter_by(person_id=world.person_a1.id)}
    for row in rows:
        entry = stored[row[0]]
        assert row[2] == world.branch_a1.name and row[3] == entry.year
        assert row[4] == as_utc(entry.occurred_at).astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
        assert isinstance(row[8], (int, float)) and row[8] == float(entry.hours)
    assert sorted(row[8] for row in rows) == [0, 2]
    out = tmp_path / "ta.csv"
    result = runner.invoke(args=["records", "export", "--unit", "TA", "--year", year, "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0
    with out.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert len(lines) == 3 and {line[1] for line in lines[1:]} == {"张甲一"}
    assert "'=危险标题" in {line[7] for line in lines}
    assert runner.invoke(args=["records", "export", "--unit", "NOPE", "--year", year, "--out",
                               str(tmp_path / "x.csv")]).exit_code != 0
