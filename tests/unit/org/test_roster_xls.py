"""Old Excel (.xls) rosters: real BIFF8 files written by xlwt read like the same .xlsx."""
from __future__ import annotations

from datetime import date

import pytest

from app.org.roster import COLUMNS, RosterFileError
from tests.xls_files import xls_bytes

from .test_roster_parse import HEADERS, parse, person_id, roster_row, xlsx_bytes

ALL_HEADERS = [column.header for column in COLUMNS]  # HEADERS plus the two date columns


def _both(rows: list[list], headers: list = HEADERS):
    return parse(xls_bytes([headers, *rows])), parse(xlsx_bytes(rows, headers=headers))


def test_xls_rows_become_the_same_validated_rows_as_xlsx():
    rows = [roster_row(1, cadre_roles="村干部、支部书记", prosperity_leader="是", post="政策宣传岗"),
            roster_row(2, branch_code="TA2", category="预备党员", phone=13900000002, birth_year=1980),
            roster_row(3, name=""), roster_row(4, branch_code="ZZ9")]
    xls, xlsx = _both(rows)
    assert xls.rows == xlsx.rows and len(xls.rows) == 2
    assert [(e.row, e.column, e.reason) for e in xls.errors] == [(e.row, e.column, e.reason) for e in xlsx.errors]
    assert [e.reason for e in xls.errors] == ["missing_name", "unknown_branch"]
    assert xls.rows[1].phone == "13900000002"


def test_id_number_typed_as_a_number_is_explained_as_in_xlsx():
    lossy = int(person_id(7)[:-1] + "1")
    xls, xlsx = _both([roster_row(7, id_number=lossy)])
    assert [e.reason for e in xls.errors] == [e.reason for e in xlsx.errors] == ["id_stored_as_number"]


def test_date_cells_are_dates():
    rows = [roster_row(1, joined_party_on=date(2001, 7, 1), transferred_in_on=date(2010, 3, 15))]
    xls, xlsx = _both(rows, ALL_HEADERS)
    assert xls.errors == [] and xls.rows == xlsx.rows
    assert xls.rows[0].joined_party_on == date(2001, 7, 1) and xls.rows[0].transferred_in_on == date(2010, 3, 15)


def test_an_ole2_file_that_is_no_workbook_is_refused_clearly():
    with pytest.raises(RosterFileError) as refused:
        parse(xls_bytes([HEADERS, roster_row(1)])[:1500])
    assert refused.value.reason == "broken_xls"
