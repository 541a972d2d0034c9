"""`lms records export` writes the unit's year as XLSX (summary + entries) or CSV."""
from __future__ import annotations

import csv

import openpyxl

from app.core.model_base import utcnow
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
    assert "'=危险标题" in {row[7] for row in rows}
    out = tmp_path / "ta.csv"
    result = runner.invoke(args=["records", "export", "--unit", "TA", "--year", year, "--format", "csv",
                                 "--out", str(out)])
    assert result.exit_code == 0
    with out.open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert len(lines) == 3 and {line[1] for line in lines[1:]} == {"张甲一"}
    assert runner.invoke(args=["records", "export", "--unit", "NOPE", "--year", year, "--out",
                               str(tmp_path / "x.csv")]).exit_code != 0
