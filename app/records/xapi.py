"""Development-file entries as xAPI statements (pure mapping, no database writes)."""
from __future__ import annotations

from app.records.hashing import _normalise
from app.records.models import DevelopmentEntry, EntryKind

ADL = "http://adlnet.gov/expapi/verbs/"
LOCAL = "https://lms.example.invalid/xapi/"  # our own IRIs; the receiver only needs them to be stable

VERBS = {
    EntryKind.COURSE_COMPLETED: (ADL + "completed", "completed"),
    EntryKind.MAKEUP_DONE: (ADL + "completed", "completed"),
    EntryKind.SESSION_ATTENDANCE: (ADL + "attended", "attended"),
    EntryKind.QUIZ_PASSED: (ADL + "passed", "passed"),
    EntryKind.CREDIT: (LOCAL + "verbs/earned", "earned"),
    EntryKind.APPRAISAL: (LOCAL + "verbs/appraised", "appraised"),
    EntryKind.STAGE: (LOCAL + "verbs/designated", "designated"),
    EntryKind.CORRECTION: (LOCAL + "verbs/corrected", "corrected"),
}


def statement_for(entry: DevelopmentEntry, home_page: str = LOCAL) -> dict:
    verb_id, verb_name = VERBS[entry.kind_enum]
    if entry.session_id:
        object_id = f"{LOCAL}sessions/{entry.session_id}"
    elif entry.course_id:
        object_id = f"{LOCAL}courses/{entry.course_id}"
    else:
        object_id = f"{LOCAL}files/{entry.person_id}"
    result: dict = {"extensions": {LOCAL + "kind": entry.kind, LOCAL + "entry-hash": entry.hash}}
    if entry.hours:
        result["extensions"][LOCAL + "credit-hours"] = _normalise(entry.hours)
    if entry.score is not None:
        result["score"] = {"scaled": round(entry.score / 100.0, 4)}
        result["success"] = True
    if entry.status:
        result["response"] = entry.status
    if entry.kind in (EntryKind.COURSE_COMPLETED, EntryKind.MAKEUP_DONE):
        result["completion"] = True
    statement = {
        "id": entry.uid,
        "actor": {"objectType": "Agent", "account": {"homePage": home_page, "name": f"person-{entry.person_id}"}},
        "verb": {"id": verb_id, "display": {"en-US": verb_name}},
        "object": {"objectType": "Activity", "id": object_id,
                   "definition": {"name": {"zh-CN": entry.title or entry.kind}}},
        "result": result,
        "timestamp": _normalise(entry.occurred_at),
    }
    if entry.corrects_id:
        statement["context"] = {"statement": {"objectType": "StatementRef", "id": entry.corrects.uid}}
    return statement
