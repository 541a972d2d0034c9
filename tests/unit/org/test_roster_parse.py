"""The roster parser: files generated here with openpyxl and csv, no database.

The helpers at the top build roster files; the import, HTTP and CLI tests reuse them.
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from flask_babel import force_locale

from app.org.id_number import check_digit, make_id_number
from app.org.roster import COLUMNS, RosterFileError, build_template, parse_roster, read_roster_file

HEADERS = ["姓名*", "性别", "出生年份", "手机号", "身份证号*", "所在支部编码*", "人员类别*", "干部职务", "文化程度", "致富带头人", "设岗定责"]
BRANCHES = {"TA1": 11, "TA2": 12}


def person_id(sequence: int) -> str:
    """A valid ID number, different for every sequence number (1980-05-17 for 0-999)."""
    return make_id_number("150121", date(1980, 5, 17) + timedelta(days=sequence // 1000), sequence)


def roster_row(sequence: int, **overrides) -> list:
    """A valid row in template column order; overrides by header key."""
    values = {
        "name": f"王{sequence}", "gender": "", "birth_year": "", "phone": f"139{sequence:08d}",
        "id_number": person_id(sequence), "branch_code": "TA1", "category": "正式党员",
        "cadre_roles": "", "education": "初中", "prosperity_leader": "否", "post": "",
        "joined_party_on": "", "transferred_in_on": "",
    }
    values.update(overrides)
    return [values[column.key] for column in COLUMNS]


def xlsx_bytes(rows: list[list], headers: list = HEADERS, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], headers: list = HEADERS, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def parse(data: bytes, **kwargs):
    kwargs.setdefault("max_rows", 50_000)
    kwargs.setdefault("branch_ids_by_code", BRANCHES)
    return parse_roster(data, **kwargs)


def reasons(roster) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.reason) for error in roster.errors]


# --- formats ---------------------------------------------------------------------

def test_xlsx_rows_become_validated_rows():
    roster = parse(xlsx_bytes([roster_row(1, cadre_roles="村干部、支部书记", prosperity_leader="是", post="政策宣传岗"),
                               roster_row(2, branch_code="TA2", category="预备党员")]))
    assert roster.errors == []
    first, second = roster.rows
    assert (first.row, first.name, first.unit_id, first.category) == (2, "王1", 11, "full_member")
    assert first.cadre_roles == ("branch_secretary", "village_cadre")
    assert first.is_prosperity_leader is True and first.post == "policy_outreach" and first.education == "junior"
    assert first.birth_year == 1980 and first.gender == "male"  # derived from the ID number
    assert (second.row, second.unit_id, second.category) == (3, 12, "probationary")


@pytest.mark.parametrize("encoding,prefix", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("gbk", b"")])
def test_csv_in_utf8_bom_and_chinese_excel_encodings(encoding, prefix):
    data = prefix + csv_bytes([roster_row(1, name="欧阳秀英")], encoding=encoding)
    roster = parse(data)
    assert roster.errors == [] and roster.rows[0].name == "欧阳秀英"


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiter_is_sniffed(delimiter):
    roster = parse(csv_bytes([roster_row(1)], delimiter=delimiter))
    assert roster.errors == [] and roster.rows[0].phone == "13900000001"


def test_header_variants_and_aliases():
    headers = [" 姓名 ", "性别", "出生年份", "联系电话", "公民身份号码", "支部编码", "政治面貌", "职务", "学历", "致富带头人",
               "设岗定责", "备注"]
    rows = [roster_row(1) + ["unknown extra column is ignored"]]
    roster = parse(xlsx_bytes(rows, headers=headers))
    assert roster.errors == [] and roster.rows[0].phone == "13900000001"
    full_width = ["姓名＊", "身份证号（必填）", "所在支部编码", "人员类别"]
    roster = parse(csv_bytes([["李四", person_id(3), "TA2", "群众"]], headers=full_width))
    assert roster.errors == [] and roster.rows[0].category == "non_member"


def test_a_title_line_above_the_headers_is_skipped_and_row_numbers_follow_the_sheet():
    roster = parse(xlsx_bytes([roster_row(1), roster_row(2, name="")], title="甲一村党员花名册"))
    assert [row.row for row in roster.rows] == [3]
    assert reasons(roster) == [(4, "姓名*", "missing_name")]


def test_numeric_cells_are_read_as_text():
    roster = parse(xlsx_bytes([roster_row(1, phone=1.3800471234e10, birth_year=1980.0),
                               roster_row(2, phone=13800471235, birth_year=1980)]))
    assert roster.errors == []
    assert [row.phone for row in roster.rows] == ["13800471234", "13800471235"]


def test_id_number_stored_as_a_number_that_lost_digits_is_explained():
    lossy = int(person_id(7)[:-1] + "1")  # Excel (and openpyxl) keep 15 significant digits: 1.50121198005170e+17
    roster = parse(xlsx_bytes([roster_row(7, id_number=lossy)]))
    assert reasons(roster) == [(2, "身份证号*", "id_stored_as_number")]
    assert "Excel" in roster.errors[0].message


def test_example_row_of_the_template_and_blank_rows_are_skipped():
    roster = parse(xlsx_bytes([roster_row(1, name="示例张三"), ["", "", None], roster_row(2)]))
    assert [row.row for row in roster.rows] == [4] and roster.total_rows == 1


def test_template_has_headers_example_and_category_list_and_parses_back():
    workbook = openpyxl.load_workbook(io.BytesIO(build_template("TA1")))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]][:7] == ["姓名*", "性别", "出生年份", "手机号", "身份证号*", "所在支部编码*", "人员类别*"]
    assert any("正式党员" in (validation.formula1 or "") for validation in sheet.data_validations.dataValidation)
    assert [cell.value for cell in sheet[1]][-2:] == ["入党日期", "转入日期"]
    with pytest.raises(RosterFileError) as refused:  # only the example row: nothing to import
        parse(build_template("TA1"))
    assert refused.value.reason == "no_rows"


DATED_HEADERS = HEADERS + ["入党日期", "转入日期"]


def test_joining_and_transfer_dates_are_read_in_the_ways_people_write_them():
    rows = [roster_row(1, joined_party_on="2026-03-15", transferred_in_on=""),
            roster_row(2, joined_party_on="1998/7/1", transferred_in_on="2026年10月8日"),
            roster_row(3, joined_party_on="2026.6", transferred_in_on="无"),
            roster_row(4, joined_party_on="20010701", transferred_in_on="2026年5月")]
    for data in (csv_bytes(rows, headers=DATED_HEADERS), xlsx_bytes(rows, headers=DATED_HEADERS)):
        roster = parse(data)
        assert roster.errors == []
        assert [(row.joined_party_on, row.transferred_in_on) for row in roster.rows] == [
            (date(2026, 3, 15), None), (date(1998, 7, 1), date(2026, 10, 8)), (date(2026, 6, 1), None),
            (date(2001, 7, 1), date(2026, 5, 1))]


def test_date_cells_of_excel_are_dates_and_birth_dates_still_give_the_year():
    rows = [roster_row(1, birth_year=date(1980, 5, 17), joined_party_on=date(2026, 4, 2))]
    roster = parse(xlsx_bytes(rows, headers=DATED_HEADERS))
    assert roster.errors == []
    assert roster.rows[0].joined_party_on == date(2026, 4, 2) and roster.rows[0].birth_year == 1980


def test_files_without_the_date_columns_give_no_dates():
    roster = parse(xlsx_bytes([roster_row(1)]))
    assert roster.errors == [] and roster.rows[0].joined_party_on is None and roster.rows[0].transferred_in_on is None


@pytest.mark.parametrize("value,reason", [
    ("去年", "bad_date"), ("2026-02-30", "bad_date"), ("2026-13", "bad_date"), ("1850-01-01", "bad_date"),
    ((date.today() + timedelta(days=40)).isoformat(), "future_date"),
])
def test_impossible_joining_dates_are_refused_with_the_column_named(app, value, reason):
    roster = parse(csv_bytes([roster_row(1, transferred_in_on=value)], headers=DATED_HEADERS))
    assert reasons(roster) == [(2, "转入日期", reason)] and roster.rows == []
    with force_locale("zh_CN"):
        assert "日期" in roster.errors[0].message


# --- row errors -------------------------------------------------------------------

@pytest.mark.parametrize("overrides,column,reason", [
    ({"name": "  "}, "姓名*", "missing_name"),
    ({"name": "张" * 51}, "姓名*", "name_too_long"),
    ({"id_number": ""}, "身份证号*", "missing_id"),
    ({"id_number": "15012119800517"}, "身份证号*", "id_shape"),
    ({"id_number": person_id(1)[:-1] + ("0" if person_id(1)[-1] != "0" else "1")}, "身份证号*", "id_checksum"),
    ({"id_number": "15012119800230001" + check_digit("15012119800230001")}, "身份证号*", "id_birth_date"),
    ({"branch_code": "TB1"}, "所在支部编码*", "unknown_branch"),
    ({"branch_code": ""}, "所在支部编码*", "missing_branch"),
    ({"phone": "1390000"}, "手机号", "bad_phone"),
    ({"phone": "23900000001"}, "手机号", "bad_phone"),
    ({"category": ""}, "人员类别*", "missing_category"),
    ({"category": "党委委员"}, "人员类别*", "unknown_category"),
    ({"cadre_roles": "村干部、村长"}, "干部职务", "unknown_cadre_role"),
    ({"education": "私塾"}, "文化程度", "unknown_education"),
    ({"post": "看门岗"}, "设岗定责", "unknown_post"),
    ({"gender": "男"}, "性别", "gender_mismatch"),  # sequence 2: an even digit, female
    ({"gender": "未知"}, "性别", "unknown_gender"),
    ({"birth_year": "1981"}, "出生年份", "birth_year_mismatch"),
    ({"birth_year": "八零年"}, "出生年份", "bad_birth_year"),
    ({"prosperity_leader": "也许"}, "致富带头人", "bad_yes_no"),
])
def test_each_row_error_names_row_column_and_reason(overrides, column, reason):
    roster = parse(xlsx_bytes([roster_row(1), roster_row(2, **overrides)]))
    assert reasons(roster) == [(3, column, reason)]
    assert [row.row for row in roster.rows] == [2]  # the valid row is kept
    assert roster.errors[0].message  # a sentence, translated when shown


def test_duplicates_within_the_file_point_to_the_first_row():
    roster = parse(csv_bytes([roster_row(1), roster_row(2, id_number=person_id(1)), roster_row(3, phone="13900000001")]))
    assert reasons(roster) == [(3, "身份证号*", "id_duplicate"), (4, "手机号", "phone_duplicate")]
    assert dict(roster.errors[0].params) == {"row": 2}


def test_messages_are_translated_when_shown(app):
    roster = parse(xlsx_bytes([roster_row(1, branch_code="TB9")]))
    with force_locale("en"):
        assert roster.errors[0].message == "Unknown branch code TB9 (or not a village branch in your area)."


def test_every_roster_message_has_a_chinese_translation():
    """Each msgid of the roster files is in the roster fragment (or already in the main catalog)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    from app.core.i18n import EXTRACT_KEYWORDS, TRANSLATIONS_DIR

    org = Path(__file__).resolve().parents[3] / "app" / "org"
    sources = [(org / name, "python") for name in ("roster.py", "roster_import.py", "roster_views.py", "tasks.py", "cli.py")]
    sources += [(path, "jinja2") for pattern in ("roster_*.html", "slips*.html")
                for path in (org / "templates" / "org").glob(pattern)]
    msgids = {message for path, method in sources
              for _line, message, _comments, _context in extract_from_file(method, str(path), keywords=EXTRACT_KEYWORDS)}
    translated = set()
    for catalog_path in (TRANSLATIONS_DIR / "fragments" / "roster.po",
                         TRANSLATIONS_DIR / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"):
        with catalog_path.open("rb") as handle:
            translated |= {message.id for message in read_po(handle) if message.id and message.string}
    assert len(msgids) > 60
    assert sorted(msgid for msgid in msgids if msgid not in translated) == []


def test_tolerated_spellings():
    roster = parse(csv_bytes([roster_row(1, phone="+86 139-0000-0001", gender="男性", birth_year="1980年5月",
                                         cadre_roles="两委成员，后备干部 村干部", education="无", post="矛盾调解",
                                         name="王  一", prosperity_leader="√", id_number=person_id(1).lower())]))
    assert roster.errors == []
    row = roster.rows[0]
    assert (row.phone, row.name, row.education, row.post, row.is_prosperity_leader) == (
        "13900000001", "王一", None, "mediation", True)
    assert row.cadre_roles == ("committee_member", "reserve_cadre", "village_cadre")


def test_missing_branch_column_is_allowed_with_a_default_branch():
    headers = ["姓名", "身份证号", "人员类别"]
    roster = parse(csv_bytes([["赵五", person_id(9), "群众"]], headers=headers), default_branch_code="TA2")
    assert roster.errors == [] and roster.rows[0].unit_id == 12 and roster.columns == {"name", "id_number", "category"}


# --- refused files -------------------------------------------------------------------

def _refusal(data: bytes, **kwargs) -> RosterFileError:
    with pytest.raises(RosterFileError) as refused:
        parse(data, **kwargs)
    return refused.value


def test_missing_required_headers_are_named():
    error = _refusal(csv_bytes([["王一", "男"]], headers=["姓名", "性别", "手机号"]))
    assert error.reason == "missing_headers"
    assert error.params["columns"] == "身份证号、所在支部编码、人员类别"


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b"   \r\n  ", "empty"),
    (csv_bytes([]), "no_rows"),
    (xlsx_bytes([]), "no_rows"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "broken_xls"),
    (b"%PDF-1.4\n%binary", "not_spreadsheet"),
    (bytes(range(256)) * 40, "not_spreadsheet"),
    (b"hello,world\nthis,is\nnot,a\nroster,at\nall,really\nno,headers\n", "no_headers"),
    (b"PK\x03\x04 truncated zip", "broken_xlsx"),
])
def test_bad_files_are_refused_with_a_reason(data, reason):
    assert _refusal(data).reason == reason


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.txt", "not a workbook")
    error = _refusal(buffer.getvalue())
    assert error.reason == "not_xlsx"


def test_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(210):
                member.write(chunk)
    assert len(buffer.getvalue()) < 1024 * 1024
    assert _refusal(buffer.getvalue()).reason == "unpacks_too_large"


def test_too_many_rows():
    error = _refusal(csv_bytes([roster_row(n) for n in range(1, 12)]), max_rows=10)
    assert error.reason == "too_many_rows" and error.params == {"limit": 10}


def test_fifty_megabytes_of_junk_are_refused_by_size_before_reading(tmp_path):
    junk = tmp_path / "junk.xlsx"
    with junk.open("wb") as handle:
        for _ in range(50):
            handle.write(b"\x8f\x01junk" * (1024 * 1024 // 6 + 1))
    with pytest.raises(RosterFileError) as refused:
        read_roster_file(junk, max_bytes=10 * 1024 * 1024, max_rows=50_000, branch_ids_by_code=BRANCHES)
    assert refused.value.reason == "too_large" and refused.value.params == {"limit": "10"}


def test_junk_under_the_size_limit_is_not_a_spreadsheet(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\xff\x13" * 100_000)
    with pytest.raises(RosterFileError) as refused:
        read_roster_file(junk, max_bytes=10 * 1024 * 1024, max_rows=50_000, branch_ids_by_code=BRANCHES)
    assert refused.value.reason == "not_spreadsheet"
