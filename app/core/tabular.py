"""Cells of the spreadsheets the app writes (CSV and XLSX): the one place formulas are defused.

A spreadsheet program runs text that starts with = + - @ (and, after a tab or carriage return,
whatever follows) as a formula: a person named =HYPERLINK("http://evil.example/x","点我") would
become a live link in the organiser's Excel. Every export and template goes through here:

    writer = csv_writer(handle)                  # CSV: such text gets a leading apostrophe
    writer.writerow(row)

    append_row(sheet, row)                       # openpyxl (normal or write-only sheets): such
                                                 # text is a string cell, never a formula
    xlsx_text(value), is_formula_like(value)     # for app.core.xlsx, the streaming writer

Numbers stay numbers (a score of -2 is the number -2); only text is neutralised. In XLSX the
text is kept exactly and the cell is a string cell marked "quote prefix", so Excel shows the
text and keeps it text even when someone edits the cell. CSV has no cell types, so the
apostrophe (which Excel and WPS hide and treat as "this is text") is the only defence.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold (an XLSX cannot carry them at all).
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


def is_formula_like(value: Any) -> bool:
    """Text a spreadsheet would run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value: Any) -> Any:
    """A CSV cell: formula-like text gets a leading apostrophe; anything else is unchanged."""
    return "'" + value if is_formula_like(value) else value


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold: without XML-illegal characters, at most 32,767 characters."""
    if len(value) > MAX_CELL_CHARS:
        value = value[:MAX_CELL_CHARS]
    return XML_ILLEGAL.sub("", value) if XML_ILLEGAL.search(value) else value


class CsvWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, handle: TextIO, **options):
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_text(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: TextIO, **options) -> CsvWriter:
    return CsvWriter(handle, **options)


def xlsx_cell(sheet, value: Any):
    """What to append to an openpyxl sheet (normal or write-only) for `value`: the value itself,
    or for formula-like text a string cell (assigning such text would make openpyxl store a
    formula)."""
    if not isinstance(value, str):
        return value
    text = xlsx_text(value)
    if not is_formula_like(text):
        return text
    return _text_cell(sheet, text)


def _text_cell(sheet, text: str):
    from openpyxl.cell.cell import Cell  # deferred: openpyxl is slow to import

    cell = Cell(sheet, row=1, column=1)  # the sheet's append sets the real place
    cell._value, cell.data_type = text, "s"
    cell.quotePrefix = True  # Excel and WPS keep it text when someone edits the cell
    return cell


def append_row(sheet, values: Sequence, **style) -> None:
    """Append one row to an openpyxl sheet (normal or write-only); `style` (e.g.
    font=Font(bold=True)) is set on every cell of the row."""
    from openpyxl.cell.cell import Cell  # deferred: openpyxl is slow to import

    cells = []
    for value in values:
        cell = xlsx_cell(sheet, value)
        if style:
            if not isinstance(cell, Cell):
                plain, cell = cell, Cell(sheet, row=1, column=1)
                cell.value = plain
            for name, setting in style.items():
                setattr(cell, name, setting)
        cells.append(cell)
    sheet.append(cells)
