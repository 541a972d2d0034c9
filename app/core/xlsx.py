"""A streaming XLSX (Office Open XML SpreadsheetML) writer for large exports.

openpyxl's write-only mode spends ~20 us a cell building element objects; a township's year of
development-file entries is millions of cells. This writer emits the sheet XML as text
straight into the zip stream: numbers as <v>, text as inline strings, a bold header row, a
frozen first row and column widths. Memory stays flat (rows are written as they come) and the
output opens in Excel, WPS and LibreOffice; tests read it back with openpyxl.

Only what exports need: several sheets, each written completely before the next one starts.
Text is always an inline string, never a formula; text a spreadsheet would run as a formula
(app.core.tabular.is_formula_like) is also marked "quote prefix", so it stays text when edited.
"""
from __future__ import annotations

import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from app.core.tabular import XML_ILLEGAL, is_formula_like, xlsx_text

# Characters that need escaping (a carriage return too: XML parsers turn a literal one into \n).
_NEEDS_ESCAPE = re.compile("[&<>\r]")
_ESCAPES = {"\r": "&#13;"}
MAX_SHEET_ROWS = 1_048_576
# Sheet names: at most 31 characters, none of []:*?/\
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

_CONTENT_TYPES_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                       '<Default Extension="xml" ContentType="application/xml"/>'
                       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                       'spreadsheetml.sheet.main+xml"/>'
                       '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                       'spreadsheetml.styles+xml"/>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'officeDocument" Target="xl/workbook.xml"/></Relationships>')
# Style 0: normal; style 1: bold (the header row); style 2: quote prefix (formula-like text).
_STYLES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
           '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           '</styleSheet>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
               'state="frozen"/></sheetView></sheetViews>')


def _text(value: str) -> str:
    value = xlsx_text(value)
    return escape(value, _ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def cell_xml(value, style: int = 0) -> str:
    """One <c> element; a cell's place is implied by its order in the row."""
    kind = type(value)
    if kind is str:
        if not value:
            return "<c/>"
        if is_formula_like(value):
            style = 2
        text = _text(value)
        styled = f' s="{style}"' if style else ""
        return f'<c t="inlineStr"{styled}><is><t xml:space="preserve">{text}</t></is></c>'
    if kind is int or kind is float:
        return "<c/>" if value != value else f"<c><v>{value!r}</v></c>"  # NaN has no cell value
    if value is None:
        return "<c/>"
    if kind is bool:
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, datetime):
        return cell_xml(value.isoformat(sep=" "), style)
    if isinstance(value, date):
        return cell_xml(value.isoformat(), style)
    return cell_xml(str(value), style)


class _TextCells(dict):
    """Cell XML of text values seen recently: names, units and labels repeat on every row."""

    LIMIT = 50_000

    def __missing__(self, value: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        xml = self[value] = cell_xml(value)
        return xml


def row_xml(row: Sequence, text_cells: _TextCells) -> str:
    return "<row>" + "".join([text_cells[value] if type(value) is str else cell_xml(value) for value in row]) + "</row>"


def sheet_name(name: str, taken: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub("_", XML_ILLEGAL.sub("", name)).strip("'")[:31] or "Sheet"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[:31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


class _BackgroundWriter:
    """Compresses and writes chunks on a second thread: zlib and the file write release the
    GIL, so they overlap with building the next rows. At most a few chunks wait (flat memory);
    an error on either side stops both and is raised in the caller."""

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-writer", daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        self._thread.start()
        return self

    def write(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._chunks.put(chunk)

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._error is None:
                try:
                    self._stream.write(chunk)
                except BaseException as error:  # noqa: BLE001 - handed to the producing thread
                    self._error = error

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._chunks.put(None)
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error


class StreamingXlsxWriter:
    """Write sheets one after another into `out` (a binary file, seekable or not).

        with StreamingXlsxWriter(out) as book:
            book.write_sheet("Summary", header, rows)
            book.write_sheet("Entries", header, more_rows, widths=[10, 20])
    """

    def __init__(self, out: IO[bytes], compresslevel: int = 1):
        # Level 1: a tenth of the time of the default level for a file ~20% larger.
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._sheets: list[str] = []
        self._taken: set[str] = set()

    def __enter__(self) -> StreamingXlsxWriter:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()

    def write_sheet(self, name: str, header: Sequence[str], rows: Iterable[Sequence],
                    widths: Sequence[float] | None = None) -> int:
        """Write a whole sheet: a bold, frozen header row, then the rows. Returns the row count
        (rows past Excel's limit of 1,048,576 raise ValueError rather than being cut silently)."""
        self._sheets.append(sheet_name(name, self._taken))
        number = len(self._sheets)
        written = 0
        with self._zip.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as stream, \
                _BackgroundWriter(stream) as sink:
            parts = [_SHEET_HEAD]
            if widths:
                parts.append("<cols>" + "".join(f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
                                                for index, width in enumerate(widths, start=1)) + "</cols>")
            parts.append('<sheetData><row s="1" customFormat="1">')
            parts.append("".join(cell_xml(value, style=1) for value in header))
            parts.append("</row>")
            sink.write("".join(parts).encode("utf-8"))
            buffer: list[str] = []
            text_cells = _TextCells()
            for row in rows:
                written += 1
                if written >= MAX_SHEET_ROWS:
                    raise ValueError("too many rows for one sheet")
                buffer.append(row_xml(row, text_cells))
                if len(buffer) >= 1000:
                    sink.write("".join(buffer).encode("utf-8"))
                    buffer.clear()
            buffer.append("</sheetData></worksheet>")
            sink.write("".join(buffer).encode("utf-8"))
        return written

    def close(self) -> None:
        sheets = "".join(f'<sheet name={quoteattr(name)} sheetId="{number}" r:id="rId{number}"/>'
                         for number, name in enumerate(self._sheets, start=1))
        count = len(self._sheets)
        self._write("[Content_Types].xml", _CONTENT_TYPES_HEAD + "".join(
            f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for number in range(1, count + 1))
            + "</Types>")
        self._write("_rels/.rels", _ROOT_RELS)
        self._write("xl/workbook.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    f"<sheets>{sheets}</sheets></workbook>")
        self._write("xl/_rels/workbook.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    + "".join(f'<Relationship Id="rId{number}" Type="http://schemas.openxmlformats.org/officeDocument/'
                              f'2006/relationships/worksheet" Target="worksheets/sheet{number}.xml"/>'
                              for number in range(1, count + 1))
                    + f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
                      '2006/relationships/styles" Target="styles.xml"/></Relationships>')
        self._write("xl/styles.xml", _STYLES)
        self._zip.close()

    def _write(self, name: str, text: str) -> None:
        self._zip.writestr(name, text.encode("utf-8"))
