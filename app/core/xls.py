"""Old Excel workbooks (.xls: the BIFF format of Excel 97-2003, also what WPS saves as .xls),
read through xlrd. Used by the roster import and the question-bank import alike.

    is_xls(data)                 the file starts with the OLE2 signature of an .xls
    xls_rows(data, max_columns)  (row number from 1, [value, ...]) of the first sheet

Values are what openpyxl gives for the same cells of an .xlsx: None for an empty cell, str,
float for numbers, bool, and datetime for cells formatted as dates, so each caller converts
.xls and .xlsx cells with the same code. Error cells (#DIV/0! ...) read as None.
Raises XlsUnreadable when the bytes are not a workbook xlrd can read (a Word .doc shares the
OLE2 signature; a damaged or encrypted file).
"""
from __future__ import annotations

from typing import Iterator

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class XlsUnreadable(ValueError):
    pass


def is_xls(data: bytes) -> bool:
    return data.startswith(OLE2_MAGIC)


def xls_rows(data: bytes, max_columns: int | None = None) -> Iterator[tuple[int, list]]:
    import xlrd  # deferred: only .xls uploads need it

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as error:  # xlrd raises XLRDError, CompDocError, struct.error ... on junk
        raise XlsUnreadable(type(error).__name__) from None
    try:
        if not book.nsheets:
            return
        try:
            sheet = book.sheet_by_index(0)
        except Exception as error:
            raise XlsUnreadable(type(error).__name__) from None
        for index in range(sheet.nrows):
            cells = sheet.row(index)[:max_columns] if max_columns else sheet.row(index)
            yield index + 1, [_value(xlrd, cell, book.datemode) for cell in cells]
    finally:
        book.release_resources()


def _value(xlrd, cell, datemode: int):
    kind = cell.ctype
    if kind == xlrd.XL_CELL_TEXT:
        return cell.value
    if kind == xlrd.XL_CELL_NUMBER:
        return float(cell.value)
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except Exception:  # a date cell outside the range Excel can show
            return float(cell.value)
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return None  # empty, blank, error
