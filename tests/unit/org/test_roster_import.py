"""The import service against a real database: upsert by ID number, scope, phones, speed path."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org import roster_import, services
from app.org.models import Account, Person, PersonCadreRole
from app.org.roster import RosterFileError
from tests.unit.org.test_roster_parse import csv_bytes, person_id, roster_row, xlsx_bytes


def write(tmp_path, data: bytes, name: str = "roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def person_by_id_number(id_number: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.id_number == id_number))


def people_count() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def test_import_creates_then_reimport_changes_nothing_then_edits_update(world, tmp_path):
    admin = world.accounts["admin"]
    rows = [roster_row(100, cadre_roles="支部书记、村干部", post="科技示范岗"),
            roster_row(101, branch_code="TB1", category="入党积极分子", prosperity_leader="是")]
    path = write(tmp_path, xlsx_bytes(rows))
    report = roster_import.import_roster(path, account=admin)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged, report.skipped) == (2, 0, 0, 0)
    first = person_by_id_number(person_id(100))
    assert first.unit_id == world.branch_a1.id and first.post == "tech_demonstration"
    assert [role.value for role in first.cadre_roles] == ["branch_secretary", "village_cadre"]
    second = person_by_id_number(person_id(101))
    assert second.unit_id == world.branch_b1.id and second.is_prosperity_leader and second.category == "activist"

    again = roster_import.import_roster(path, account=admin)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert people_count() == 4

    rows[0] = roster_row(100, cadre_roles="后备干部", post="", branch_code="TA2", name="王一百")
    changed = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows)), account=admin)
    db.session.commit()
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    first = person_by_id_number(person_id(100))
    assert (first.name, first.unit_id, first.post) == ("王一百", world.branch_a2.id, None)
    assert [role.value for role in first.cadre_roles] == ["reserve_cadre"]
    assert people_count() == 4


def test_dry_run_reports_without_writing(world, tmp_path):
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes([roster_row(100)])),
                                         account=world.accounts["admin"], dry_run=True)
    db.session.commit()
    assert report.created == 1 and not report.committed
    assert person_by_id_number(person_id(100)) is None


def test_organiser_cannot_reach_another_township(world, tmp_path):
    organiser_a = world.accounts["organiser_a"]
    before = (world.person_b1.name, world.person_b1.unit_id, world.person_b1.category)
    rows = [roster_row(100), roster_row(101, branch_code="TB1"),
            roster_row(102, id_number=world.person_b1.id_number, name="改名")]
    report = roster_import.import_roster(write(tmp_path, csv_bytes(rows), "r.csv"), account=organiser_a)
    db.session.commit()
    assert [(e.row, e.reason) for e in report.errors] == [(3, "unknown_branch"), (4, "id_outside_scope")]
    assert report.created == 1 and report.skipped == 2
    assert person_by_id_number(person_id(101)) is None
    db.session.refresh(world.person_b1)
    assert (world.person_b1.name, world.person_b1.unit_id, world.person_b1.category) == before


def test_township_code_is_not_a_branch(world, tmp_path):
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes([roster_row(100, branch_code="TA")])),
                                         account=world.accounts["organiser_a"])
    assert [e.reason for e in report.errors] == ["unknown_branch"]


def test_phone_of_another_person_is_refused_unless_that_person_gives_it_up(world, tmp_path):
    admin = world.accounts["admin"]
    taken = world.person_a1.phone
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes([roster_row(100, phone=taken)])), account=admin)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [(2, "手机号", "phone_taken")]
    assert report.created == 0

    # In one file: person A1 moves to a new number and the newcomer takes A1's old one.
    a1 = world.person_a1
    rows = [roster_row(100, phone=taken),
            roster_row(101, id_number=a1.id_number, name=a1.name, phone="13700000000", education="")]
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows)), account=admin)
    db.session.commit()
    assert report.errors == [] and (report.created, report.updated) == (1, 1)
    assert person_by_id_number(person_id(100)).phone == taken
    assert person_by_id_number(a1.id_number).phone == "13700000000"


def test_a_refused_row_keeps_its_phone_so_the_row_taking_it_is_refused_too(world, tmp_path):
    a1 = world.person_a1
    rows = [roster_row(100, phone=a1.phone),
            roster_row(101, id_number=a1.id_number, phone="13700000000", category="不知道")]
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows)), account=world.accounts["admin"])
    assert sorted((e.row, e.reason) for e in report.errors) == [(2, "phone_taken"), (3, "unknown_category")]


def test_branch_secretary_rows_without_branch_code_go_to_the_own_branch(world, tmp_path):
    secretary = world.accounts["secretary_a1"]
    data = csv_bytes([["赵五", person_id(100), "", "群众"]], headers=["姓名", "身份证号", "所在支部编码", "人员类别"])
    report = roster_import.import_roster(write(tmp_path, data, "r.csv"), account=secretary)
    db.session.commit()
    assert report.created == 1
    assert person_by_id_number(person_id(100)).unit_id == world.branch_a1.id


def test_absent_columns_keep_existing_values(world, tmp_path):
    a1 = world.person_a1
    services.set_cadre_roles(a1, ["village_cadre"])
    db.session.commit()
    data = csv_bytes([[a1.name, a1.id_number, "TA1", "预备党员"]], headers=["姓名", "身份证号", "所在支部编码", "人员类别"])
    report = roster_import.import_roster(write(tmp_path, data, "r.csv"), account=world.accounts["admin"])
    db.session.commit()
    assert report.updated == 1
    person = person_by_id_number(a1.id_number)
    assert person.phone == "13900000001" and [r.value for r in person.cadre_roles] == ["village_cadre"]
    assert person.category == "probationary"


def test_import_stores_joining_and_transfer_dates_and_a_file_without_them_keeps_them(world, tmp_path):
    from datetime import date

    from tests.unit.org.test_roster_parse import DATED_HEADERS, HEADERS

    admin = world.accounts["admin"]
    rows = [roster_row(300, joined_party_on="2026-03-15"), roster_row(301, transferred_in_on="2025年9月1日")]
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows, headers=DATED_HEADERS)), account=admin)
    db.session.commit()
    assert report.created == 2
    first, second = person_by_id_number(person_id(300)), person_by_id_number(person_id(301))
    assert (first.joined_party_on, first.transferred_in_on) == (date(2026, 3, 15), None)
    assert (second.joined_party_on, second.transferred_in_on) == (None, date(2025, 9, 1))
    # The same people from a file without the two columns: the dates stay.
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows, headers=HEADERS), "again.xlsx"),
                                         account=admin)
    db.session.commit()
    assert report.unchanged == 2 and person_by_id_number(person_id(300)).joined_party_on == date(2026, 3, 15)
    # A corrected date updates the person.
    rows[0] = roster_row(300, joined_party_on="2026-04-01")
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows, headers=DATED_HEADERS), "fix.xlsx"),
                                         account=admin)
    db.session.commit()
    assert report.updated == 1 and person_by_id_number(person_id(300)).joined_party_on == date(2026, 4, 1)


def test_member_account_follows_the_person_to_the_new_branch(world, tmp_path):
    a1 = world.person_a1
    rows = [roster_row(101, id_number=a1.id_number, name=a1.name, phone=a1.phone, branch_code="TA2", education="")]
    roster_import.import_roster(write(tmp_path, xlsx_bytes(rows)), account=world.accounts["organiser_a"])
    db.session.commit()
    member = db.session.scalar(select(Account).where(Account.username == "member-a1"))
    assert member.scope_unit_id == world.branch_a2.id


def test_unit_option_narrows_the_scope(world, tmp_path):
    rows = [roster_row(100, branch_code="TA1"), roster_row(101, branch_code="TB1")]
    report = roster_import.import_roster(write(tmp_path, xlsx_bytes(rows)), account=None, unit=world.township_b)
    assert [(e.row, e.reason) for e in report.errors] == [(2, "unknown_branch")] and report.created == 1


def test_file_errors_change_nothing(world, tmp_path, app):
    before = people_count()
    app.config["ROSTER_MAX_BYTES"] = 100
    with pytest.raises(RosterFileError) as refused:
        roster_import.import_roster(write(tmp_path, xlsx_bytes([roster_row(100)])), account=world.accounts["admin"])
    assert refused.value.reason == "too_large"
    assert people_count() == before


@pytest.mark.slow
def test_ten_thousand_rows_import_with_the_right_counts(world, tmp_path):
    rows = [roster_row(n, phone=f"150{n:08d}", branch_code="TA1" if n % 2 else "TB2",
                       cadre_roles="村干部" if n % 10 == 0 else "") for n in range(1000, 11000)]
    path = write(tmp_path, xlsx_bytes(rows))
    report = roster_import.import_roster(path, account=world.accounts["admin"])
    db.session.commit()
    assert (report.created, report.skipped, report.total_rows) == (10_000, 0, 10_000)
    assert people_count() == 10_002
    assert db.session.scalar(select(func.count()).select_from(PersonCadreRole)) == 1000
    again = roster_import.import_roster(path, account=world.accounts["admin"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)
