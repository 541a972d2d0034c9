"""Fuzzing: no query string makes a page or an API route answer 5xx.

Pages: every GET rule of app.url_map (ids filled with existing objects), for the roles that
use them, with query strings hypothesis draws from the parameter names the views read plus
arbitrary ones, and values that broke pages before (overflowing integers, negative years,
`$...$` that matplotlib would parse, control characters). The API: schemathesis generates
requests from /api/v1/openapi.json for every GET operation.

The app runs with TESTING on, so an unexpected exception is raised here with its traceback;
examples are bounded and derandomized so a run takes well under two minutes.
"""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from app.api.services import create_token
from app.core.model_base import utcnow
from app.extensions import db
from app.quiz import services as quiz_services
from app.study.sessions import services as session_services
from tests.conftest import login
from app.survey.models import Audience
from tests.factories import create_bank, create_course, create_quiz
from tests.survey_data import make_questionnaire

pytestmark = pytest.mark.slow

NAMES = ["page", "per_page", "unit", "year", "q", "category", "cadre_role", "role", "status", "since", "limit",
         "lesson", "lesson_id", "bank", "next", "number", "download", "course", "course_id", "person", "format",
         "v", "standing", "kind", "from", "to", "date", "sort", "order", "id"]
NASTY = ["99999999999999999999", "-99999999999999999999", str(2 ** 63), str(2 ** 31), "-1", "0", "1e309", "nan",
         "inf", "-2026", "10000", "2026-13-45", "$\\frac{1}{0}$", "$x$", "a$b$c", "\r\n", "%00", "\x00", "' OR 1=1 --",
         "<script>", "🙂", " ", "", "0x10", "1.5", "٣", "²", "١٢٣"]
CRITICAL = ["99999999999999999999", "-99999999999999999999", str(2 ** 63), "-1", "0", "nan", "1e309", "\x00",
            "$x$"]
VALUES = st.one_of(st.sampled_from(NASTY), st.integers(min_value=-(10 ** 25), max_value=10 ** 25).map(str),
                   st.text(max_size=30))
QUERIES = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=8)), VALUES, max_size=4)
FUZZ = settings(max_examples=4, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Rules whose GET is not a page (static files, switching language, a check-in token) are left out.
SKIPPED_PREFIXES = ("/static", "/quiz/static", "/lang/", "/study/checkin/", "/media/uploads/", "/api/")
# Who opens which pages: the admin every managing page (its scope is everything, so every id
# resolves), a member its own pages, the TV /terminal.
ROLES = {"admin": None, "member-a1": ("/me", "/quiz", "/courses", "/sessions", "/study", "/account"),
         "tv-a1": ("/terminal",)}


@pytest.fixture
def objects(world):
    """One object of each kind the URL rules name, in township A."""
    course = create_course(world.township_a, "马铃薯晚疫病防治", lessons=2, publish_to=[world.township_a])
    bank = create_bank(world.township_a)
    quiz = create_quiz(course, draw=(bank, None, 4), pass_mark=60)
    attempt = quiz_services.start_attempt(quiz, world.person_a1, account=world.accounts["member_a1"])
    secretary = world.accounts["secretary_a1"]
    start = utcnow() + timedelta(minutes=5)
    session = session_services.schedule_session(by=secretary, site=world.site_a1, title="集中学习", course=course,
                                                starts_at=start, planned_end_at=start + timedelta(hours=1))
    session_services.open_session(session, by=secretary)
    questionnaire = make_questionnaire(world.township_a, audience=Audience.SESSION)
    db.session.commit()
    lesson = course.lessons[0]
    return {"account_id": world.accounts["member_a1"].id, "course_id": course.id, "lesson_id": lesson.id,
            "media_id": 1, "person_id": world.person_a1.id, "bank_id": bank.id, "quiz_id": quiz.id,
            "attempt_id": attempt.id, "position": 1, "question_id": 1, "image_id": 1, "job_id": 1,
            "entry_id": 1, "unit_id": world.township_a.id, "session_id": session.id, "site_id": world.site_a1.id,
            "format": "csv", "label": "poster", "code": "zh_CN", "questionnaire_id": questionnaire.id}


def _paths(app, objects, wanted) -> list[str]:
    """The GET rules `wanted(rule)` accepts, with their ids filled in."""
    adapter = app.url_map.bind("localhost")
    return sorted({adapter.build(rule.endpoint, {name: objects[name] for name in rule.arguments})
                   for rule in app.url_map.iter_rules() if "GET" in rule.methods and wanted(rule.rule)})


def _page_paths(app, objects, prefixes) -> list[str]:
    return _paths(app, objects, lambda rule: not rule.startswith(SKIPPED_PREFIXES)
                  and (not prefixes or rule.startswith(prefixes)))


def _api_paths(app, objects) -> list[str]:
    return _paths(app, objects, lambda rule: rule.startswith("/api/") and not rule.endswith("openapi.json"))


def _fuzz(client, paths, queries, headers=None) -> None:
    @FUZZ
    @given(query=queries)
    def check(path, query):
        url = f"{path}?{urlencode(query)}"
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        response.close()

    for path in paths:
        check(path)


class _RecordingArgs:
    """Mixed into the app's argument class: notes which names the view read (so each can be
    tried alone)."""

    read: set[str] = set()

    def get(self, key, *args, **kwargs):
        _RecordingArgs.read.add(key)
        return super().get(key, *args, **kwargs)

    def getlist(self, key, *args, **kwargs):
        _RecordingArgs.read.add(key)
        return super().getlist(key, *args, **kwargs)

    def __getitem__(self, key):
        _RecordingArgs.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _RecordingArgs.read.add(key)
        return super().__contains__(key)


@pytest.mark.parametrize("username", list(ROLES))
def test_no_query_string_makes_a_page_fail(app, client, objects, username):
    login(client, username)
    paths = _page_paths(app, objects, ROLES[username])
    assert len(paths) > (40 if ROLES[username] is None else 1)
    # Each parameter a page reads, alone, with each value that broke a page before.
    arguments = type("RecordingArgs", (_RecordingArgs, app.request_class.parameter_storage_class), {})
    app.request_class = type("RecordingRequest", (app.request_class,), {"parameter_storage_class": arguments})
    swept = 0
    for path in paths:
        _RecordingArgs.read = set()
        client.get(path).close()
        for name in sorted(_RecordingArgs.read - {"next"}):
            for value in CRITICAL:
                response = client.get(f"{path}?{urlencode({name: value})}")
                assert response.status_code < 500, (path, name, value)
                response.close()
                swept += 1
    assert swept > (100 if ROLES[username] is None else 0)
    # Then arbitrary query strings, names read or not.
    _fuzz(client, paths, QUERIES)


def test_overflowing_ids_in_paths_are_not_found(client, objects):
    login(client, "admin")
    for path in ("/units/99999999999999999999", "/people/99999999999999999999", f"/courses/{2 ** 63}",
                 "/records/units/99999999999999999999/export.csv", "/api/v1/people/99999999999999999999"):
        assert client.get(path).status_code == 404, path


def test_no_api_query_makes_a_route_fail(app, world, objects):
    """Every GET operation of the OpenAPI document, with requests schemathesis generates from
    it (its own pytest integration does not run on pytest 9, so operations are walked here)."""
    _token, plain = create_token(world.accounts["admin"], "fuzz")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}

    def isolated(environ, start_response):
        """Each request in a fresh app context (as IsolatedClient does for the test client)."""
        db.session.commit()
        with app.app_context():
            return list(app(environ, start_response))

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated)
    operations = [result.ok() for result in schema.include(method="GET").get_all_operations()]
    assert len(operations) >= 10

    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(operation, data):
        case = data.draw(operation.as_strategy())
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.path, case.path_parameters, case.query, response.text[:300])

    for operation in operations:
        check(operation)

    # Schemathesis draws from the declared types; the values that broke routes before (an
    # overflowing cursor) are tried on every declared query parameter of every operation too.
    client = app.test_client()
    tried = 0
    for template, item in schema.raw_schema["paths"].items():
        if "get" not in item:
            continue
        parameters = item.get("parameters", []) + item["get"].get("parameters", [])
        path = re.sub(r"\{(\w+)\}", lambda match: str(objects.get(match.group(1), 1)), template)
        path = path if path.startswith("/api/") else "/api/v1" + path
        for name in [parameter["name"] for parameter in parameters if parameter["in"] == "query"]:
            for value in CRITICAL:
                response = client.get(f"{path}?{urlencode({name: value})}", headers=headers)
                assert response.status_code < 500, (path, name, value)
                tried += 1
    assert tried > 50
