"""Development-file entries as xAPI statements (pure mapping, no database writes)."""
from __future__ import annotations

from app.records.hashing import normalise
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
CHECKPOINTED = (LOCAL + "verbs/checkpointed", "checkpointed")
SYSTEM_ACCOUNT = "lms-records"  # the actor of checkpoint statements: this installation's records


def statement_for(entry: DevelopmentEntry, home_page: str = LOCAL) -> dict:
    verb_id, verb_name = VERBS[entry.kind_enum]
    if entry.session_id:
        object_id = f"{LOCAL}sessions/{entry.session_id}"
    elif entry.course_id:
        object_id = f"{LOCAL}courses/{entry.course_id}"
    else:
        object_id = f"{LOCAL}files/{entry.person_id}"
    # The entry's place in the person's chain: sequence (the file's entry count once it is
    # written), hash and previous hash. The receiver's latest statement per person is that
    # person's head, held outside this machine.
    result: dict = {"extensions": {LOCAL + "kind": entry.kind, LOCAL + "entry-hash": entry.hash,
                                   LOCAL + "entry-sequence": entry.sequence,
                                   LOCAL + "previous-hash": entry.prev_hash}}
    if entry.hours:
        result["extensions"][LOCAL + "credit-hours"] = normalise(entry.hours)
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
        "timestamp": normalise(entry.occurred_at),
    }
    if entry.corrects_id:
        statement["context"] = {"statement": {"objectType": "StatementRef", "id": entry.corrects.uid}}
    return statement


def checkpoint_statement(*, statement_id: str, number: int, written_at: str, people: int, entries: int,
                         digest: str, signature: str, previous_signature: str, home_page: str = LOCAL) -> dict:
    """A checkpoint of every development file as a statement: this installation (the actor)
    checkpointed its files. The digest is the SHA-256 of the checkpoint file's signed body, so
    whoever holds the file can hold it against the receiver's copy without the key."""
    verb_id, verb_name = CHECKPOINTED
    return {
        "id": statement_id,
        "actor": {"objectType": "Agent", "account": {"homePage": home_page, "name": SYSTEM_ACCOUNT}},
        "verb": {"id": verb_id, "display": {"en-US": verb_name}},
        "object": {"objectType": "Activity", "id": f"{LOCAL}files",
                   "definition": {"name": {"en-US": "Development files", "zh-CN": "培养档案"}}},
        "result": {"extensions": {LOCAL + "checkpoint": {
            "number": number, "written-at": written_at, "people": people, "entries": entries, "digest": digest,
            "signature": signature, "previous-signature": previous_signature}}},
        "timestamp": written_at,
    }
