"""`lms members import` and `lms members slips` through Flask's CLI runner."""
from __future__ import annotations

import csv
import json

from sqlalchemy import func, select

from app.extensions import db
from app.org import services
from app.org.models import Account, Person
from tests.unit.org.test_roster_parse import csv_bytes, person_id, roster_row, xlsx_bytes


def people_count() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_import_dry_run_then_commit_then_json(app, world, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([roster_row(100), roster_row(101, branch_code="NOPE")]))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["members", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output and "1 skipped" in result.output and "row 3" in result.output
    assert people_count() == 2

    result = runner.invoke(args=["members", "import", str(path)])
    assert result.exit_code == 0 and "1 created" in result.output
    db.session.remove()
    assert people_count() == 3

    result = runner.invoke(args=["members", "import", str(path), "--json"])
    report = json.loads(result.output)
    assert (report["created"], report["unchanged"], report["skipped"]) == (0, 1, 1)
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["reason"] == "unknown_branch"


def test_unit_option_restricts_and_fills_empty_branch(app, world, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([["甲", person_id(100), "", "群众"], ["乙", person_id(101), "TA1", "群众"]],
                               headers=["姓名", "身份证号", "所在支部编码", "人员类别"]))
    result = app.test_cli_runner().invoke(args=["members", "import", str(path), "--unit", "TB2", "--json"])
    report = json.loads(result.output)
    assert (report["created"], report["skipped"]) == (1, 1)
    db.session.remove()
    person = db.session.scalar(select(Person).where(Person.id_number == person_id(100)))
    assert person.unit.code == "TB2"


def test_file_level_error_exits_1_with_message_on_stderr(app, world, tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    result = app.test_cli_runner().invoke(args=["members", "import", str(path)])
    assert result.exit_code == 1 and ".xlsx" in result.stderr and result.stdout == ""
    result = app.test_cli_runner().invoke(args=["members", "import", str(path), "--unit", "NOPE"])
    assert result.exit_code == 1


def test_slips_writes_codes_that_activate(app, world, tmp_path):
    out = tmp_path / "slips.csv"
    result = app.test_cli_runner().invoke(args=["members", "slips", "--unit", "TB", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["姓名", "支部", "登录名", "激活码"]
    assert rows[1][:3] == ["李乙一", "乙一村党支部", "13900000002"] and len(rows) == 2
    db.session.remove()
    account = services.find_account_for_login("13900000002")
    assert services.check_activation_code(account, rows[1][3])
    assert db.session.scalar(select(Account).where(Account.username == "member-a1")).activation_code_hash is None
