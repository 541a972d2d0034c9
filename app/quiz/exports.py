"""Quiz results as CSV (streamed) and XLSX (openpyxl write-only, bounded memory)."""
from __future__ import annotations

import csv
import io
from typing import Iterable
from urllib.parse import quote

from flask import Response, send_file, stream_with_context
from flask_babel import gettext as _

from app.core.model_base import as_utc
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


def _disposition(name: str) -> str:
    return f"attachment; filename=\"results.{name.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(name)}"


def csv_response(quiz: Quiz, attempts: Iterable[Attempt]) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer.writerow(headers())
        for attempt in attempts:
            writer.writerow(row(attempt))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = _disposition(f"{quiz.title}-results.csv")
    return response


def xlsx_response(quiz: Quiz, attempts: Iterable[Attempt]) -> Response:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="results")
    sheet.append(headers())
    for attempt in attempts:
        sheet.append(row(attempt))
    buffer = io.BytesIO()  # write-only sheets stream rows; the finished file is small
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{quiz.title}-results.xlsx", max_age=0)
