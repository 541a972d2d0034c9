"""Real old-Excel files for the tests: BIFF8 (.xls of Excel 97-2003, what WPS saves as .xls),
written by xlwt, a writer independent of the xlrd reader the app uses."""
from __future__ import annotations

import io
from datetime import date, datetime

import xlwt


def xls_bytes(rows: list[list], sheet_name: str = "Sheet1") -> bytes:
    """A workbook whose first sheet holds ``rows``: text, numbers, booleans and dates (date
    cells formatted as dates); None and "" leave the cell empty."""
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet(sheet_name)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for row_index, row in enumerate(rows):
        for column_index, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, (date, datetime)):
                sheet.write(row_index, column_index, value, date_style)
            else:
                sheet.write(row_index, column_index, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
