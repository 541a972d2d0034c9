"""How entry codes read on pages and in exports (labels of sources, statuses, grades and stages)."""
from __future__ import annotations

from app.records.models import AppraisalGrade, DevelopmentStage, EntryKind
from app.study.progress.models import CreditSource
from app.study.sessions.models import AttendanceSource, AttendanceStatus

_SOURCES = {**{source.value: source.label for source in AttendanceSource},
            **{source.value: source.label for source in CreditSource}}
_STATUSES = {**{status.value: status.label for status in AttendanceStatus},
             **{grade.value: grade.label for grade in AppraisalGrade},
             **{stage.value: stage.label for stage in DevelopmentStage}}


def source_label(value: str) -> str:
    return str(_SOURCES[value]) if value in _SOURCES else (value or "")


def status_label(value: str) -> str:
    return str(_STATUSES[value]) if value in _STATUSES else (value or "")


def kind_label(value: str) -> str:
    try:
        return str(EntryKind(value).label)
    except ValueError:
        return value

