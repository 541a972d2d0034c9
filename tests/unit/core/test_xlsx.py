"""The streaming XLSX writer: what goes in comes back out of a real reader (openpyxl)."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from app.core.xlsx import StreamingXlsxWriter


class _Unseekable(io.RawIOBase):
    """A response stream: write only, no seek or tell."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)


def _read(data: bytes) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def test_values_of_every_kind_come_back_as_written():
    out = io.BytesIO()
    hostile = "<script>&amp;\"'\x00\x07 tail "
    with StreamingXlsxWriter(out) as book:
        book.write_sheet("汇总", ["姓名", "学时", "备注"], [
            ["张三", 12.5, None],
            [hostile, 3, "=HYPERLINK(\"x\")"],
            ["  前后空格  ", Decimal("0.250"), True],
            ["", 0, date(2026, 5, 3)],
            ["日期", -1.75, datetime(2026, 5, 3, 19, 30)],
        ])
    sheets = _read(out.getvalue())
    assert list(sheets) == ["汇总"]
    assert sheets["汇总"] == [
        ("姓名", "学时", "备注"),
        ("张三", 12.5, None),
        ("<script>&amp;\"' tail ", 3, "=HYPERLINK(\"x\")"),  # control characters dropped, text kept as text
        ("  前后空格  ", 0.25, True),
        (None, 0, "2026-05-03"),
        ("日期", -1.75, "2026-05-03 19:30:00"),
    ]


def test_header_is_bold_and_frozen_and_sheets_keep_their_order_and_unique_names():
    out = io.BytesIO()
    with StreamingXlsxWriter(out) as book:
        assert book.write_sheet("条目", ["a"], ([number] for number in range(1000))) == 1000
        book.write_sheet("条目", ["b"], [])
        book.write_sheet("bad/name:[x]*?", ["c"], [[1]])
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert workbook.sheetnames == ["条目", "条目 (2)", "bad_name__x___"]
    first = workbook["条目"]
    assert first["A1"].font.b is True and first["A2"].font.b is not True
    assert first.freeze_panes == "A2"
    assert first.max_row == 1001 and first["A1001"].value == 999


def test_a_stream_without_seek_gets_a_valid_file():
    out = _Unseekable()
    with StreamingXlsxWriter(out) as book:
        book.write_sheet("Summary", ["x"], [["一"], ["二"]])
    data = b"".join(out.chunks)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    assert _read(data) == {"Summary": [("x",), ("一",), ("二",)]}


def test_a_failure_while_writing_leaves_no_half_written_promise():
    out = io.BytesIO()

    def rows():
        yield ["ok"]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError), StreamingXlsxWriter(out) as book:
        book.write_sheet("S", ["h"], rows())
    # No workbook part was written: no reader will take it for a complete export.
    assert "xl/workbook.xml" not in zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()
