"""Development-file entries as xAPI 1.0.3 statements (a mapping; it reads, never writes).

What a county needs to merge the feeds of several installations into one LRS:

- People are the same everywhere: the actor is an account on the county's home page
  (LMS_XAPI_ACTOR_HOMEPAGE) named by a keyed hash of the roster's ID number
  (LMS_XAPI_ACTOR_KEY, shared by every installation of the county). The number itself never
  leaves the machine, and a reinstall gives the same name.
- Activities (courses, sessions, quizzes, files) are this installation's: their IRIs start with
  its own base (LMS_XAPI_BASE_IRI), so two townships' "course 3" are two activities.
- The product's own verbs and extensions live under the county's home page too, so every
  installation speaks one vocabulary; ADL's verbs are used where one says what happened.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale, gettext

from app.core.security import load_or_create_instance_key
from app.extensions import db
from app.records.hashing import normalise
from app.records.models import AppraisalGrade, DevelopmentEntry, DevelopmentStage, EntryKind

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
DEFAULT_BASE_IRI = "https://lms.example.invalid/xapi/"
DEFAULT_ACTOR_HOMEPAGE = "https://lms.example.invalid/"
ACTOR_KEY_FILE = "xapi_actor_key"
SYSTEM_ACCOUNT = "lms-records"  # the actor of checkpoint statements: this installation's records
ZH = "zh-CN"
EN = "en-US"

# Attendance statuses (app.study.sessions.models.AttendanceStatus values) and what they say.
ATTENDED_STATUSES = frozenset({"present", "late", "left_early"})
EXCUSED_STATUSES = frozenset({"on_leave"})


@dataclass(frozen=True)
class Vocabulary:
    """Where this installation's IRIs start and how people are named (from the app's config)."""

    base_iri: str  # this installation's activities
    actor_homepage: str  # the county's account system: people and the product's own verbs
    actor_key: bytes
    actor_key_configured: bool  # False: generated on this machine, so other installations differ

    @property
    def terms(self) -> str:
        return self.actor_homepage.rstrip("/") + "/xapi/"

    def verb(self, name: str) -> str:
        return f"{self.terms}verbs/{name}"

    def extension(self, name: str) -> str:
        return f"{self.terms}extensions/{name}"

    def activity(self, kind: str, key) -> str:
        return f"{self.base_iri}{kind}/{key}"


def _with_slash(iri: str) -> str:
    return iri if iri.endswith("/") else iri + "/"


def vocabulary(app=None) -> Vocabulary:
    app = app or current_app
    key = app.config.get("XAPI_ACTOR_KEY")
    configured = bool(key)
    if not key:
        key = app.extensions.get("xapi_actor_key")
        if key is None:
            key = app.extensions["xapi_actor_key"] = load_or_create_instance_key(app.instance_path, ACTOR_KEY_FILE)
    return Vocabulary(base_iri=_with_slash(app.config.get("XAPI_BASE_IRI") or DEFAULT_BASE_IRI),
                      actor_homepage=_with_slash(app.config.get("XAPI_ACTOR_HOMEPAGE") or DEFAULT_ACTOR_HOMEPAGE),
                      actor_key=key.encode("utf-8"), actor_key_configured=configured)


def actor_name(id_number: str, key: bytes) -> str:
    """The person's stable name: the same ID number gives the same name wherever the key is the same."""
    canonical = "".join(id_number.split()).upper()
    return "p-" + hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def iso_duration(hours) -> str:
    """Hours as an ISO 8601 duration: 1.5 -> PT1H30M, 0.25 -> PT15M."""
    seconds = int((Decimal(str(hours)) * 3600).to_integral_value())
    whole_hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT" + (f"{whole_hours}H" if whole_hours else "") + (f"{minutes}M" if minutes else "")
    text += f"{seconds}S" if seconds or text == "PT" else ""
    return text


def _chinese():
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def language_map(english: str) -> dict:
    """A language map: Chinese (the product's language) and the English original."""
    with _chinese():
        chinese = gettext(english)
    return {ZH: chinese, EN: english}


def _verb(iri: str, display: dict) -> dict:
    return {"id": iri, "display": display}


def _prune(value):
    """Drop empty strings, lists and maps: xAPI validators refuse empty values."""
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if item not in ("", None, {}, [])}
    if isinstance(value, list):
        return [_prune(item) for item in value]
    return value


def _quiz_of(entry: DevelopmentEntry):
    if not entry.attempt_id:
        return None
    from app.quiz.models import Attempt  # deferred: records sits above quiz; only quiz entries need it

    attempt = db.session.get(Attempt, entry.attempt_id)
    return attempt.quiz if attempt else None


def _verb_and_object(entry: DevelopmentEntry, words: Vocabulary) -> tuple[dict, dict, dict]:
    """(verb, object, result additions) for the entry's kind."""
    kind = entry.kind_enum
    title = entry.title
    course = ({"objectType": "Activity", "id": words.activity("courses", entry.course_id),
               "definition": {"type": ADL_ACTIVITIES + "course"}} if entry.course_id else None)
    if kind is EntryKind.SESSION_ATTENDANCE or kind is EntryKind.MAKEUP_DONE:
        session = {"objectType": "Activity", "id": words.activity("sessions", entry.session_id),
                   "definition": {"type": ADL_ACTIVITIES + "meeting",
                                  "name": {ZH: title} if title else language_map("Group study session")}}
        if kind is EntryKind.MAKEUP_DONE:
            return _verb(ADL_VERBS + "completed", language_map("completed")), session, {"completion": True}
        if entry.status in ATTENDED_STATUSES:
            return _verb(ADL_VERBS + "attended", language_map("attended")), session, {}
        if entry.status in EXCUSED_STATUSES:
            return _verb(words.verb("was-excused"), language_map("was excused from")), session, {}
        return _verb(words.verb("was-absent"), language_map("was absent from")), session, {}
    if kind is EntryKind.QUIZ_PASSED:
        quiz = _quiz_of(entry)
        quiz_title = title or (quiz.title if quiz else "")
        name = {ZH: quiz_title} if quiz_title else language_map("Quiz")
        key = quiz.id if quiz else f"attempt-{entry.attempt_id}"
        activity = {"objectType": "Activity", "id": words.activity("quizzes", key),
                    "definition": {"type": ADL_ACTIVITIES + "assessment", "name": name}}
        return _verb(ADL_VERBS + "passed", language_map("passed")), activity, {"success": True}
    if kind is EntryKind.COURSE_COMPLETED:
        activity = dict(course or {"objectType": "Activity", "id": words.activity("courses", "unknown")})
        activity["definition"] = {**activity.get("definition", {}),
                                  "name": {ZH: title} if title else language_map("Course")}
        return _verb(ADL_VERBS + "completed", language_map("completed")), activity, {"completion": True}
    file = {"objectType": "Activity", "id": words.activity("files", entry.person_id),
            "definition": {"type": words.terms + "activities/development-file",
                           "name": language_map("Development file")}}
    if kind is EntryKind.CREDIT:
        activity = file
        if entry.session_id:
            activity = {"objectType": "Activity", "id": words.activity("sessions", entry.session_id),
                        "definition": {"type": ADL_ACTIVITIES + "meeting",
                                       "name": {ZH: title} if title else language_map("Group study session")}}
        elif course:
            activity = {**course, "definition": {**course["definition"],
                                                 "name": {ZH: title} if title else language_map("Course")}}
        return _verb(words.verb("earned-credit-hours"), language_map("earned credit hours in")), activity, {}
    if kind is EntryKind.APPRAISAL:
        return _verb(words.verb("was-appraised"), language_map("was appraised in")), file, {}
    if kind is EntryKind.STAGE:
        return _verb(words.verb("was-designated"), language_map("was designated in")), file, {}
    return _verb(words.verb("was-corrected"), language_map("had an entry corrected in")), file, {}


def _status_label(entry: DevelopmentEntry) -> str:
    """The entry's status in Chinese words (a grade, a stage, an attendance status)."""
    if not entry.status:
        return ""
    with _chinese():
        for choices in (AppraisalGrade, DevelopmentStage):
            try:
                return str(choices(entry.status).label)
            except (ValueError, AttributeError):
                continue
        from app.study.sessions.models import AttendanceStatus  # deferred: records sits above study

        try:
            return str(AttendanceStatus(entry.status).label)
        except ValueError:
            return entry.status


def statement_for(entry: DevelopmentEntry, words: Vocabulary | None = None) -> dict:
    words = words or vocabulary()
    verb, activity, result = _verb_and_object(entry, words)
    extensions = {words.extension("kind"): entry.kind, words.extension("entry-hash"): entry.hash,
                  words.extension("entry-sequence"): entry.sequence,
                  words.extension("previous-hash"): entry.prev_hash}
    # The entry's place in the person's chain: sequence, hash and previous hash. The receiver's
    # latest statement per person is that person's head, held outside this machine.
    if entry.hours:
        extensions[words.extension("credit-hours")] = normalise(entry.hours)  # signed in corrections
        if entry.hours > 0:
            result["duration"] = iso_duration(entry.hours)
    if entry.status:
        extensions[words.extension("status")] = entry.status
        result["response"] = _status_label(entry)
    if entry.score is not None:
        result["score"] = {"scaled": round(min(max(entry.score, 0.0), 100.0) / 100.0, 4),
                           "raw": round(entry.score, 2), "min": 0, "max": 100}
    result["extensions"] = extensions
    context: dict = {"platform": language_map("Rural members' distance education")[ZH], "language": ZH,
                     "extensions": {words.extension("year"): entry.year}}
    if entry.kind_enum is EntryKind.APPRAISAL:
        context["extensions"][words.extension("appraisal-year")] = entry.year
    parents = []
    if entry.course_id and activity["id"] != words.activity("courses", entry.course_id):
        parents.append({"objectType": "Activity", "id": words.activity("courses", entry.course_id),
                        "definition": {"type": ADL_ACTIVITIES + "course"}})
    if parents:
        context["contextActivities"] = {"parent": parents}
    if entry.corrects_id:
        context["statement"] = {"objectType": "StatementRef", "id": entry.corrects.uid}
    if entry.note:
        extensions[words.extension("note")] = entry.note
    person = entry.person
    statement = {
        "id": entry.uid,
        "actor": {"objectType": "Agent", "name": person.name,
                  "account": {"homePage": words.actor_homepage, "name": actor_name(person.id_number, words.actor_key)}},
        "verb": verb,
        "object": activity,
        "result": result,
        "context": context,
        "timestamp": normalise(entry.occurred_at),
    }
    return _prune(statement)


def checkpoint_statement(*, statement_id: str, number: int, written_at: str, people: int, entries: int,
                         digest: str, signature: str, previous_signature: str,
                         words: Vocabulary | None = None) -> dict:
    """A checkpoint of every development file as a statement: this installation (the actor)
    checkpointed its files. The digest is the SHA-256 of the checkpoint file's signed body, so
    whoever holds the file can hold it against the receiver's copy without the key."""
    words = words or vocabulary()
    return _prune({
        "id": statement_id,
        "actor": {"objectType": "Agent", "name": language_map("Development files")[ZH],
                  "account": {"homePage": words.base_iri, "name": SYSTEM_ACCOUNT}},
        "verb": _verb(words.verb("checkpointed"), language_map("checkpointed")),
        "object": {"objectType": "Activity", "id": words.activity("files", "all"),
                   "definition": {"name": language_map("Development files")}},
        "result": {"extensions": {words.extension("checkpoint"): {
            "number": number, "written-at": written_at, "people": people, "entries": entries, "digest": digest,
            "signature": signature, "previous-signature": previous_signature}}},
        "context": {"platform": language_map("Rural members' distance education")[ZH], "language": ZH},
        "timestamp": written_at,
    })
