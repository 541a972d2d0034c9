"""Roster files (.xlsx, old .xls, .csv) -> validated rows + row errors. Pure: no app, no database.

The caller passes the lookups that need the database (branch codes in the
importer's scope). Messages are kept as reason keys with parameters and
translated only when shown, so this module works without an app context.
Row numbers are the spreadsheet's own (the header row is row 1 in a plain
template).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from flask_babel import lazy_gettext as _l

from app.org.choices import CHINESE, CadreRole, Education, Gender, PersonCategory, Post
from app.org.id_number import InvalidIdNumber, parse_id_number
from app.core.tabular import append_row
from app.core.xls import XlsUnreadable, is_xls, xls_rows
from app.org.id_number import make_id_number

# --- the template's columns ---------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's Chinese header (data, not an identifier)
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", required=True, aliases=("党员姓名", "人员姓名")),
    Column("gender", "性别"),
    Column("birth_year", "出生年份", aliases=("出生年", "出生年月", "出生日期")),
    Column("phone", "手机号", aliases=("手机号码", "联系电话", "电话", "手机", "电话号码", "联系方式")),
    Column("id_number", "身份证号", required=True,
           aliases=("公民身份号码", "身份证", "身份证号码", "公民身份证号", "身份证件号码")),
    Column("branch_code", "所在支部编码", required=True, aliases=("支部编码", "党支部编码", "所在党支部编码")),
    Column("category", "人员类别", required=True, aliases=("政治面貌", "类别", "人员类型")),
    Column("cadre_roles", "干部职务", aliases=("职务", "担任职务")),
    Column("education", "文化程度", aliases=("学历",)),
    Column("prosperity_leader", "致富带头人", aliases=("是否致富带头人",)),
    Column("post", "设岗定责", aliases=("岗位", "设岗", "无职党员设岗定责")),
    Column("joined_party_on", "入党日期", aliases=("入党时间", "入党年月")),
    Column("transferred_in_on", "转入日期", aliases=("转入时间", "组织关系转入日期", "转入本支部日期")),
)
DATE_COLUMNS = ("joined_party_on", "transferred_in_on")
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

# Rows whose name starts with this are the template's example and are skipped.
EXAMPLE_NAME_PREFIX = "示例"
HEADER_SEARCH_ROWS = 5  # a title line ("XX村党员花名册") may sit above the headers
MAX_COLUMNS = 60
# A 50,000-row roster unpacks to about 25 MB; far more is a zip bomb, not a roster.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
NAME_MAX_LENGTH = 50
EMPTY_WORDS = {"", "无", "/", "-", "—", "－", "——", "暂无"}
YES_WORDS = {"是", "√", "y", "yes", "1", "true", "t", "是的"}
NO_WORDS = {"否", "×", "n", "no", "0", "false", "f", "不是"}

XLSX_MAGIC = b"PK\x03\x04"
NOT_TABLE_MAGICS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")

# --- messages -------------------------------------------------------------------

FILE_REASONS = {
    "too_large": _l("The file is larger than %(limit)s MB. Split the roster into several files."),
    "empty": _l("The file is empty."),
    "no_rows": _l("The file has headers but no rows of people."),
    "too_many_rows": _l("The file has more than %(limit)d rows. Split the roster into several files."),
    "broken_xls": _l("The old Excel file (.xls) could not be read; it may be damaged, protected by a password or not a spreadsheet. Open it in Excel or WPS, save it as .xlsx and upload again."),
    "not_xlsx": _l("The file is a zip archive but not an Excel workbook (.xlsx)."),
    "unpacks_too_large": _l("The Excel file unpacks to more than %(limit)s MB; it cannot be a roster."),
    "broken_xlsx": _l("The Excel file could not be read; it may be damaged. Open it and save it again as .xlsx."),
    "not_spreadsheet": _l("The file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."),
    "no_headers": _l("The first row must hold the column headers of the template (姓名, 身份证号, 所在支部编码, 人员类别 ...). Download the template and copy the roster into it."),
    "missing_headers": _l("Required columns are missing: %(columns)s. Download the template to see the expected headers."),
    "duplicate_header": _l("The column %(column)s appears twice."),
}

ROW_REASONS = {
    "missing_name": _l("The name is missing."),
    "name_too_long": _l("The name is longer than %(limit)d characters."),
    "missing_id": _l("The ID number is missing."),
    "id_shape": _l("The ID number must have 18 characters: 17 digits and a final digit or X."),
    "id_checksum": _l("The ID number's check digit is wrong; please check the number."),
    "id_birth_date": _l("The ID number contains an impossible birth date."),
    "id_stored_as_number": _l("The ID number was stored as a number and Excel dropped its last digits. Format the column as text and type the number again."),
    "id_duplicate": _l("The same ID number is already on row %(row)d."),
    "id_outside_scope": _l("This ID number is already registered to a person outside your area."),
    "missing_branch": _l("The branch code is missing."),
    "unknown_branch": _l("Unknown branch code %(code)s (or not a village branch in your area)."),
    "bad_phone": _l("The phone number must be 11 digits starting with 1."),
    "phone_duplicate": _l("The same phone number is already on row %(row)d."),
    "phone_taken": _l("This phone number already belongs to another person."),
    "missing_category": _l("The category is missing."),
    "unknown_category": _l("Unknown category %(value)s. Use one of: %(choices)s."),
    "unknown_gender": _l("Unknown gender %(value)s. Use 男 or 女."),
    "gender_mismatch": _l("The gender does not match the ID number."),
    "bad_birth_year": _l("The birth year %(value)s is not a year."),
    "birth_year_mismatch": _l("The birth year does not match the ID number (%(year)d)."),
    "unknown_cadre_role": _l("Unknown cadre role %(value)s. Use: %(choices)s."),
    "unknown_education": _l("Unknown education %(value)s. Use one of: %(choices)s."),
    "unknown_post": _l("Unknown post %(value)s. Use one of: %(choices)s."),
    "bad_yes_no": _l("Write 是 or 否 here, not %(value)s."),
    "bad_date": _l("%(value)s is not a date. Write it as 2026-03-15."),
    "future_date": _l("The date %(value)s lies in the future."),
}


def _render(reasons: Mapping, reason: str, params: Mapping) -> str:
    text = str(reasons[reason])
    return text % dict(params) if params else text


class RosterFileError(ValueError):
    """The whole file is refused; nothing is imported."""

    def __init__(self, reason: str, **params) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params

    @property
    def message(self) -> str:
        return _render(FILE_REASONS, self.reason, self.params)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str
    params: tuple[tuple[str, object], ...] = ()

    @property
    def message(self) -> str:
        return _render(ROW_REASONS, self.reason, dict(self.params))

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason, "message": self.message}


@dataclass
class RosterRow:
    """One valid row. Fields whose column is absent from the file are None."""

    row: int
    name: str
    id_number: str
    unit_id: int
    branch_code: str
    category: str
    gender: str
    birth_year: int
    phone: str | None = None
    cadre_roles: tuple[str, ...] | None = None
    education: str | None = None
    is_prosperity_leader: bool | None = None
    post: str | None = None
    joined_party_on: date | None = None
    transferred_in_on: date | None = None


@dataclass
class Roster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: frozenset[str] = frozenset()  # keys of the columns present in the file
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written
    total_rows: int = 0  # non-empty data rows read (valid or not)

    @property
    def error_rows(self) -> set[int]:
        return {error.row for error in self.errors}


# --- reading the file -----------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False  # the spreadsheet stored a number (may have lost digits)


def sniff_kind(head: bytes) -> str:
    """'xlsx', 'xls' or 'csv' from the first bytes; raises RosterFileError for what is none."""
    if not head.strip():
        raise RosterFileError("empty")
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if is_xls(head):
        return "xls"
    if head.startswith(NOT_TABLE_MAGICS) or b"\x00" in head[:8192]:
        raise RosterFileError("not_spreadsheet")
    return "csv"


def read_roster_file(path: str | Path, *, max_bytes: int, max_rows: int,
                     branch_ids_by_code: Mapping[str, int], default_branch_code: str | None = None) -> Roster:
    """Check the size before reading anything, then parse and validate."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise RosterFileError("too_large", limit=_megabytes(max_bytes))
    return parse_roster(path.read_bytes(), max_rows=max_rows, branch_ids_by_code=branch_ids_by_code,
                        default_branch_code=default_branch_code)


def parse_roster(data: bytes, *, max_rows: int, branch_ids_by_code: Mapping[str, int],
                 default_branch_code: str | None = None, max_bytes: int | None = None) -> Roster:
    """Bytes of an .xlsx or .csv roster -> valid rows and row errors.

    `branch_ids_by_code` holds only the village branches the importer may use;
    any other code is reported as unknown. Raises RosterFileError for a file
    that cannot be a roster.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise RosterFileError("too_large", limit=_megabytes(max_bytes))
    kind = sniff_kind(data[:8192])
    lines = {"xlsx": _xlsx_lines, "xls": _xls_lines, "csv": _csv_lines}[kind](data)
    return _validate(lines, max_rows=max_rows, branch_ids_by_code=branch_ids_by_code,
                     default_branch_code=default_branch_code)


def too_large(max_bytes: int) -> RosterFileError:
    """The refusal of a file over `max_bytes` (raised by the caller that measured it)."""
    return RosterFileError("too_large", limit=_megabytes(max_bytes))


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    import openpyxl  # deferred: openpyxl costs ~0.3 s at start-up
    from openpyxl.utils.exceptions import InvalidFileException  # deferred: openpyxl costs ~0.3 s at start-up

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise RosterFileError("broken_xlsx") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterFileError("unpacks_too_large", limit=_megabytes(MAX_UNPACKED_BYTES))
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise RosterFileError("not_xlsx")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError):
        raise RosterFileError("broken_xlsx") from None
    try:
        if not workbook.worksheets:
            raise RosterFileError("empty")
        sheet = workbook.worksheets[0]
        try:
            for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                yield number, [_xlsx_cell(value) for value in values]
        except (KeyError, ValueError, TypeError, SyntaxError, zipfile.BadZipFile) as exc:
            raise RosterFileError("broken_xlsx") from exc
    finally:
        workbook.close()


def _xls_lines(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    """An old .xls (Excel 97-2003, WPS) through xlrd; its cells read like the .xlsx ones."""
    try:
        for number, values in xls_rows(data, max_columns=MAX_COLUMNS):
            yield number, [_xlsx_cell(value) for value in values]
    except XlsUnreadable:
        raise RosterFileError("broken_xls") from None


def _xlsx_cell(value) -> Cell:
    if value is None:
        return Cell("")
    if isinstance(value, bool):
        return Cell("是" if value else "否")
    if isinstance(value, int):
        return Cell(str(value), numeric=True)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return Cell(str(int(value)), numeric=True)
        return Cell(repr(value), numeric=True)
    if isinstance(value, datetime | date):
        return Cell(value.strftime("%Y-%m-%d"))  # a year is read from it in the birth column
    return Cell(str(value))


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[Cell]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, [Cell(value) for value in values[:MAX_COLUMNS]]
    except csv.Error:
        raise RosterFileError("not_spreadsheet") from None


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # what Chinese Excel and WPS write for "CSV"
    except UnicodeDecodeError:
        raise RosterFileError("not_spreadsheet") from None


# --- headers --------------------------------------------------------------------

def normalise_header(text: str) -> str:
    """Full-width to half-width, no spaces, no trailing '*' or notes in brackets."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"\(.*?\)$", "", text)  # 手机号(选填)
    return text.strip("*")


_HEADER_LOOKUP = {
    normalise_header(name): column.key
    for column in COLUMNS for name in (column.header, *column.aliases)
}


def _match_headers(cells: list[Cell]) -> dict[str, int]:
    """Column key -> position, for the cells of one row."""
    found: dict[str, int] = {}
    for position, cell in enumerate(cells):
        key = _HEADER_LOOKUP.get(normalise_header(cell.text))
        if key is None:
            continue  # unknown extra columns are ignored
        if key in found:
            raise RosterFileError("duplicate_header", column=cell.text.strip())
        found[key] = position
    return found


# --- rows ----------------------------------------------------------------------

def _validate(lines: Iterable[tuple[int, list[Cell]]], *, max_rows: int,
              branch_ids_by_code: Mapping[str, int], default_branch_code: str | None) -> Roster:
    lines = iter(lines)
    positions, header_cells = _find_header(lines, default_branch_code)
    headers = {key: header_cells[position].text.strip() for key, position in positions.items()}
    for key in COLUMN_BY_KEY:
        headers.setdefault(key, COLUMN_BY_KEY[key].header)
    roster = Roster(columns=frozenset(positions), headers=headers)
    validator = _RowValidator(positions, headers, branch_ids_by_code, default_branch_code, roster)
    for number, cells in lines:
        values = {key: cells[position] if position < len(cells) else Cell("")
                  for key, position in positions.items()}
        if all(not cell.text.strip() for cell in values.values()):
            continue
        if values.get("name", Cell("")).text.strip().startswith(EXAMPLE_NAME_PREFIX):
            continue
        roster.total_rows += 1
        if roster.total_rows > max_rows:
            raise RosterFileError("too_many_rows", limit=max_rows)
        validator.check(number, values)
    if roster.total_rows == 0:
        raise RosterFileError("no_rows")
    return roster


def _find_header(lines: Iterator[tuple[int, list[Cell]]],
                 default_branch_code: str | None) -> tuple[dict[str, int], list[Cell]]:
    looked = 0
    for _number, cells in lines:
        if not any(cell.text.strip() for cell in cells):
            continue
        looked += 1
        positions = _match_headers(cells)
        if len(positions) >= 2:
            required = [c for c in COLUMNS if c.required
                        and not (c.key == "branch_code" and default_branch_code)]
            missing = [c.header for c in required if c.key not in positions]
            if missing:
                raise RosterFileError("missing_headers", columns="、".join(missing))
            return positions, cells
        if looked >= HEADER_SEARCH_ROWS:
            break
    if looked == 0:
        raise RosterFileError("empty")
    raise RosterFileError("no_headers")


class _RowValidator:
    def __init__(self, positions, headers, branch_ids_by_code, default_branch_code, roster: Roster) -> None:
        self.present = set(positions)
        self.headers = headers
        self.branch_ids_by_code = branch_ids_by_code
        self.default_branch_code = default_branch_code
        self.roster = roster
        self.rows_by_id: dict[str, int] = {}
        self.rows_by_phone: dict[str, int] = {}

    def check(self, number: int, values: dict[str, Cell]) -> None:
        errors: list[RowError] = []

        def error(key: str, reason: str, **params) -> None:
            errors.append(RowError(number, self.headers[key], reason, tuple(params.items())))

        def text(key: str) -> str:
            return values[key].text.strip() if key in values else ""

        name = _clean_name(text("name"))
        if not name:
            error("name", "missing_name")
        elif len(name) > NAME_MAX_LENGTH:
            error("name", "name_too_long", limit=NAME_MAX_LENGTH)

        id_info = None
        raw_id = text("id_number")
        if not raw_id:
            error("id_number", "missing_id")
        else:
            try:
                id_info = parse_id_number(raw_id)
            except InvalidIdNumber as exc:
                if values["id_number"].numeric:
                    error("id_number", "id_stored_as_number")
                else:
                    error("id_number", f"id_{exc}")
            else:
                first = self.rows_by_id.setdefault(id_info.number, number)
                if first != number:
                    error("id_number", "id_duplicate", row=first)

        unit_id = None
        branch_code = unicodedata.normalize("NFKC", text("branch_code")).replace(" ", "")
        if not branch_code and self.default_branch_code:
            branch_code = self.default_branch_code
        if not branch_code:
            error("branch_code", "missing_branch")
        else:
            unit_id = self.branch_ids_by_code.get(branch_code)
            if unit_id is None:
                error("branch_code", "unknown_branch", code=branch_code)

        category = None
        raw_category = text("category")
        if not raw_category:
            error("category", "missing_category")
        else:
            category = _lookup(PersonCategory, raw_category)
            if category is None:
                error("category", "unknown_category", value=raw_category, choices=_choices(PersonCategory))

        gender = None
        raw_gender = text("gender")
        if raw_gender and raw_gender not in EMPTY_WORDS:
            gender = _lookup(Gender, raw_gender.removesuffix("性"))
            if gender is None:
                error("gender", "unknown_gender", value=raw_gender)
            elif id_info is not None and gender != id_info.gender:
                error("gender", "gender_mismatch")

        raw_year = text("birth_year")
        if raw_year and raw_year not in EMPTY_WORDS:
            year = _parse_year(raw_year)
            if year is None:
                error("birth_year", "bad_birth_year", value=raw_year)
            elif id_info is not None and year != id_info.birth_date.year:
                error("birth_year", "birth_year_mismatch", year=id_info.birth_date.year)

        phone = None
        if "phone" in self.present:
            raw_phone = text("phone")
            if raw_phone and raw_phone not in EMPTY_WORDS:
                phone = _normalise_phone(raw_phone)
                if phone is None:
                    error("phone", "bad_phone")
                else:
                    first = self.rows_by_phone.setdefault(phone, number)
                    if first != number:
                        error("phone", "phone_duplicate", row=first)

        cadre_roles = None
        if "cadre_roles" in self.present:
            cadre_roles = []
            for word in re.split(r"[、,，;；/\s]+", text("cadre_roles")):
                if word in EMPTY_WORDS:
                    continue
                role = _lookup(CadreRole, word)
                if role is None:
                    error("cadre_roles", "unknown_cadre_role", value=word, choices=_choices(CadreRole))
                elif role not in cadre_roles:
                    cadre_roles.append(role)
            cadre_roles = tuple(sorted(cadre_roles))

        education = None
        raw_education = text("education")
        if raw_education and raw_education not in EMPTY_WORDS:
            education = _lookup(Education, raw_education)
            if education is None:
                error("education", "unknown_education", value=raw_education, choices=_choices(Education))

        leader = None
        if "prosperity_leader" in self.present:
            raw_leader = text("prosperity_leader")
            word = raw_leader.lower()
            if word in YES_WORDS:
                leader = True
            elif word in NO_WORDS or word in EMPTY_WORDS:
                leader = False
            else:
                error("prosperity_leader", "bad_yes_no", value=raw_leader)

        post = None
        raw_post = text("post")
        if raw_post and raw_post not in EMPTY_WORDS:
            post = _lookup(Post, raw_post) or _lookup(Post, raw_post + "岗")
            if post is None:
                error("post", "unknown_post", value=raw_post, choices=_choices(Post))

        dates = {}
        for key in DATE_COLUMNS:
            raw_date = text(key)
            if key not in self.present or raw_date in EMPTY_WORDS:
                dates[key] = None
                continue
            dates[key] = _parse_date(raw_date)
            if dates[key] is None:
                error(key, "bad_date", value=raw_date)
            elif dates[key] > date.today():
                error(key, "future_date", value=raw_date)

        if errors:
            self.roster.errors.extend(errors)
            return
        self.roster.rows.append(RosterRow(
            row=number, name=name, id_number=id_info.number, unit_id=unit_id, branch_code=branch_code,
            category=category, gender=id_info.gender, birth_year=id_info.birth_date.year, phone=phone,
            cadre_roles=cadre_roles, education=education, is_prosperity_leader=leader, post=post, **dates,
        ))


def _clean_name(raw: str) -> str:
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw)).strip()
    if not re.search(r"[A-Za-z]", name):
        name = name.replace(" ", "")  # "张  三" padded to line up in Excel
    return name


def _lookup(enum_cls, word: str) -> str | None:
    word = unicodedata.normalize("NFKC", word).replace(" ", "")
    value = CHINESE[enum_cls].get(word)
    if value is None and word.lower() in enum_cls.__members__.values():
        value = enum_cls(word.lower())
    return value.value if value is not None else None


def _choices(enum_cls) -> str:
    seen, words = set(), []
    for word, value in CHINESE[enum_cls].items():
        if value not in seen:
            seen.add(value)
            words.append(word)
    return "、".join(words)


def _parse_year(raw: str) -> int | None:
    match = re.fullmatch(r"(\d{4})(?:\.0+)?(?:[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?月?)?", raw.replace(" ", ""))
    if not match:
        return None
    year = int(match.group(1))
    return year if 1900 <= year <= date.today().year else None


def _parse_date(raw: str) -> date | None:
    """2026-03-15, 2026/3/15, 2026.3.15, 20260315, 2026年3月15日; a month alone (2026-03) is its first day."""
    text = unicodedata.normalize("NFKC", raw).replace(" ", "")
    match = (re.fullmatch(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月)?", text)
             or re.fullmatch(r"(\d{4})(\d{2})(\d{2})?", text))
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    if year < 1900:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _normalise_phone(raw: str) -> str | None:
    phone = re.sub(r"[\s\-－()（）]", "", unicodedata.normalize("NFKC", raw))
    phone = re.sub(r"^(\+?86)(?=1\d{10}$)", "", phone)
    return phone if re.fullmatch(r"1\d{10}", phone) else None


# --- the template ---------------------------------------------------------------

def build_template(example_branch_code: str = "") -> bytes:
    """The downloadable .xlsx template: headers, one example row, drop-down lists."""
    import openpyxl  # deferred: openpyxl costs ~0.3 s at start-up
    from openpyxl.styles import Font, PatternFill  # deferred: openpyxl costs ~0.3 s at start-up
    from openpyxl.worksheet.datavalidation import DataValidation  # deferred: openpyxl costs ~0.3 s at start-up


    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    headers = [f"{column.header}*" if column.required else column.header for column in COLUMNS]
    append_row(sheet, headers)
    append_row(sheet, [
        f"{EXAMPLE_NAME_PREFIX}张三", "男", 1975, "13800000000", make_id_number("150121", date(1975, 6, 1), 11),
        example_branch_code or "150121101001", "正式党员", "村干部、后备干部", "高中", "否", "政策宣传岗",
        "1998-07-01", "",
    ])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[2]:
        cell.fill = fill
    letters = {column.key: openpyxl.utils.get_column_letter(index) for index, column in enumerate(COLUMNS, start=1)}
    for key in ("phone", "id_number", "branch_code"):
        # Text format keeps Excel from turning 18-digit ID numbers into 1.5E+17.
        sheet.column_dimensions[letters[key]].number_format = "@"
        for row in range(2, 3):
            sheet[f"{letters[key]}{row}"].number_format = "@"
    for key, width in (("name", 12), ("phone", 14), ("id_number", 22), ("branch_code", 16),
                       ("category", 14), ("cadre_roles", 20), ("post", 14)):
        sheet.column_dimensions[letters[key]].width = width
    lists = {
        "category": ["正式党员", "预备党员", "发展对象", "入党积极分子", "群众"],
        "gender": ["男", "女"],
        "education": _choices(Education).split("、"),
        "prosperity_leader": ["是", "否"],
        "post": _choices(Post).split("、"),
    }
    for key, words in lists.items():
        validation = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=key != "category")
        validation.add(f"{letters[key]}2:{letters[key]}20000")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in (
        ["带 * 的列必须填写。第 2 行是示例（姓名以“示例”开头的行不会导入），可以删除。"],
        ["身份证号、手机号请按文本填写，避免 Excel 把 18 位号码变成科学计数法。"],
        ["性别和出生年份可以不填，系统从身份证号中读取。"],
        ["干部职务可填多个，用顿号“、”或逗号分隔：" + _choices(CadreRole)],
        ["人员类别：" + _choices(PersonCategory)],
        ["入党日期、转入日期按 2026-03-15 的格式填写，可以不填。当年入党或当年转入本支部的人员，"
         "年度学时要求按入党或转入当月起剩余的月份折算；两项都不填的人员按全年要求计算。"],
    ):
        append_row(notes, line)
    notes.column_dimensions["A"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
