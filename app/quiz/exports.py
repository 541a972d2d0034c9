"""Quiz results as CSV (streamed) and XLSX (openpyxl write-only, bounded memory).

Cells go through app.core.tabular, so a name or unit cannot become a formula. The CSV body is
streamed after the request has ended (app.core.downloads): the view hands over an iterator of
attempts that runs its own query, and nothing here touches the quiz or the account by then.
"""
from __future__ import annotations

import io
from typing import Iterable

from flask import Response, send_file
from flask_babel import gettext as _

from app.core.downloads import attachment_name, streamed_response
from app.core.model_base import as_utc
from app.core.tabular import append_row, csv_writer
from app.quiz.models import Attempt, Quiz

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def headers() -> list[str]:
    return [_("Attempt"), _("Full name"), _("Unit"), _("Attempt number"), _("Status"), _("Submitted at"),
            _("Score"), _("Maximum score"), _("Percent"), _("Passed")]


def row(attempt: Attempt) -> list:
    submitted = as_utc(attempt.submitted_at)
    return [attempt.id, attempt.person.name, attempt.person.unit.name, attempt.number, str(attempt.status_enum.label),
            submitted.strftime("%Y-%m-%d %H:%M") if submitted else "", attempt.score, attempt.max_score,
            attempt.percent, "" if attempt.passed is None else (_("Yes") if attempt.passed else _("No"))]


def _csv_chunks(header: list[str], attempts: Iterable[Attempt]):
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer.writerow(header)
    for attempt in attempts:
        writer.writerow(row(attempt))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(quiz: Quiz, attempts: Iterable[Attempt]) -> Response:
    return streamed_response(_csv_chunks(headers(), attempts), mimetype="text/csv; charset=utf-8",
                             download_name=attachment_name(f"{quiz.title}-results", "csv"), ascii_fallback="results")


def xlsx_response(quiz: Quiz, attempts: Iterable[Attempt]) -> Response:
    import openpyxl  # deferred: openpyxl is slow to import

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="results")
    append_row(sheet, headers())
    for attempt in attempts:
        append_row(sheet, row(attempt))
    buffer = io.BytesIO()  # write-only sheets stream rows; the finished file is small
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=attachment_name(f"{quiz.title}-results", "xlsx"), max_age=0)
