"""The JSON API under /api/v1: token auth, scope, pagination, error shape, OpenAPI document."""
import re
import threading
import traceback
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.api.models import ApiToken
from app.api.services import create_token, revoke_token
from app.core.model_base import utcnow
from app.extensions import db
from app.org.choices import CadreRole, Education, PersonCategory
from tests.factories import create_person

ENDPOINTS = ("health", "me", "units", "people", "person_a", "person_b")


def _url(world, endpoint):
    return {
        "health": "/api/v1/health",
        "me": "/api/v1/me",
        "units": "/api/v1/units",
        "people": "/api/v1/people",
        "person_a": f"/api/v1/people/{world.person_a1.id}",
        "person_b": f"/api/v1/people/{world.person_b1.id}",
    }[endpoint]


def _token_for(world, account_key, name="test"):
    _token, plaintext = create_token(world.accounts[account_key], name)
    db.session.commit()
    return plaintext


def _bearer(plaintext):
    return {"Authorization": f"Bearer {plaintext}"}


def _get(client, url, plaintext=None, **kwargs):
    return client.get(url, headers=_bearer(plaintext) if plaintext else {}, **kwargs)


def _assert_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and error["code"] == code and error["message"]
    return error


# account key (None: no token) -> expected status per endpoint
MATRIX = {
    None: {"health": 200, "me": 401, "units": 401, "people": 401, "person_a": 401, "person_b": 401},
    "member_a1": {"health": 200, "me": 200, "units": 403, "people": 403, "person_a": 403, "person_b": 403},
    "terminal_a1": {"health": 200, "me": 200, "units": 403, "people": 403, "person_a": 403, "person_b": 403},
    "organiser_a": {"health": 200, "me": 200, "units": 200, "people": 200, "person_a": 200, "person_b": 404},
    "organiser_b": {"health": 200, "me": 200, "units": 200, "people": 200, "person_a": 404, "person_b": 200},
    "secretary_a1": {"health": 200, "me": 200, "units": 200, "people": 200, "person_a": 200, "person_b": 404},
    "trainer": dict.fromkeys(ENDPOINTS, 200),
    "admin": dict.fromkeys(ENDPOINTS, 200),
}


@pytest.mark.parametrize("account_key", list(MATRIX))
def test_access_matrix(client, world, account_key):
    plaintext = _token_for(world, account_key) if account_key else None
    for endpoint, expected in MATRIX[account_key].items():
        response = _get(client, _url(world, endpoint), plaintext)
        assert response.status_code == expected, f"{account_key} {endpoint}"
        assert response.mimetype == "application/json"
        if expected >= 400:
            codes = {401: "unauthorized", 403: "forbidden", 404: "not_found"}
            _assert_error(response, expected, codes[expected])
        if expected == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("header", [
    "Bearer lms_not-a-real-token",
    "Bearer ",
    "Basic b3JnLWE6c2VjcmV0LXBhc3M=",
    "lms_missing-scheme",
])
def test_bad_authorization_headers_get_401(client, world, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    _assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_scheme_is_case_insensitive(client, world):
    plaintext = _token_for(world, "organiser_a")
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {plaintext}"})
    assert response.status_code == 200


def test_revoked_token_gets_401(client, world):
    token, plaintext = create_token(world.accounts["organiser_a"], "soon revoked")
    db.session.commit()
    assert _get(client, "/api/v1/me", plaintext).status_code == 200
    revoke_token(token)
    db.session.commit()
    _assert_error(_get(client, "/api/v1/me", plaintext), 401, "unauthorized")


def test_token_of_disabled_account_gets_401(client, world):
    plaintext = _token_for(world, "organiser_a")
    world.accounts["organiser_a"].is_enabled = False
    db.session.commit()
    _assert_error(_get(client, "/api/v1/me", plaintext), 401, "unauthorized")


def test_session_cookie_does_not_authenticate_the_api(client, world):
    from tests.conftest import login

    login(client, "org-a")
    assert client.get("/people").status_code == 200  # the cookie works for pages
    _assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_token_is_stored_hashed(world):
    token, plaintext = create_token(world.accounts["organiser_a"], "sync")
    db.session.commit()
    assert plaintext.startswith("lms_") and len(plaintext) > 40
    rows = db.session.execute(text("SELECT * FROM api_token")).all()
    assert len(rows) == 1
    assert all(plaintext not in str(value) for value in rows[0])
    assert token.token_hash == ApiToken.hash_token(plaintext) != plaintext
    assert plaintext.startswith(token.prefix) and len(token.prefix) == 12


def test_last_used_is_written_at_most_once_a_minute(client, world):
    token, plaintext = create_token(world.accounts["organiser_a"], "")
    db.session.commit()
    assert token.last_used_at is None
    _get(client, "/api/v1/me", plaintext)
    db.session.refresh(token)
    first_use = token.last_used_at
    assert first_use is not None
    _get(client, "/api/v1/me", plaintext)
    db.session.refresh(token)
    assert token.last_used_at == first_use

    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    stale = token.last_used_at
    _get(client, "/api/v1/me", plaintext)
    db.session.refresh(token)
    assert token.last_used_at > stale.replace(tzinfo=token.last_used_at.tzinfo)


def test_me_describes_the_token_account(client, world):
    response = _get(client, "/api/v1/me", _token_for(world, "organiser_a"))
    township = world.township_a
    assert response.get_json() == {
        "id": world.accounts["organiser_a"].id,
        "username": "org-a",
        "display_name": world.accounts["organiser_a"].display_name,
        "role": "organiser",
        "scope_unit": {"id": township.id, "code": "TA", "name": township.name},
        "person_id": None,
        "site_id": None,
    }


def test_me_of_member_and_admin(client, world):
    member = _get(client, "/api/v1/me", _token_for(world, "member_a1")).get_json()
    assert member["role"] == "member" and member["person_id"] == world.person_a1.id
    terminal = _get(client, "/api/v1/me", _token_for(world, "terminal_a1")).get_json()
    assert terminal["site_id"] == world.site_a1.id
    admin = _get(client, "/api/v1/me", _token_for(world, "admin")).get_json()
    assert admin["role"] == "admin" and admin["scope_unit"] is None


def test_units_tree_is_scoped(client, world):
    create_person(world.branch_a2)
    tree = _get(client, "/api/v1/units", _token_for(world, "organiser_a")).get_json()["items"]
    assert len(tree) == 1
    root = tree[0]
    assert (root["id"], root["code"], root["level"], root["people"]) == (world.township_a.id, "TA", "township", 2)
    children = {child["code"]: child for child in root["children"]}
    assert set(children) == {"TA1", "TA2"}
    assert children["TA1"]["people"] == 1 and children["TA1"]["children"] == []
    assert children["TA2"]["people"] == 1


def test_units_tree_for_admin_has_the_whole_county(client, world):
    tree = _get(client, "/api/v1/units", _token_for(world, "admin")).get_json()["items"]
    assert [root["code"] for root in tree] == ["C1"]
    assert tree[0]["people"] == 2
    assert {child["code"] for child in tree[0]["children"]} == {"TA", "TB"}


def test_people_are_scoped_and_shaped(client, world):
    create_person(world.branch_a1, "王书记", category=PersonCategory.FULL_MEMBER,
                  cadre_roles=[CadreRole.BRANCH_SECRETARY, CadreRole.VILLAGE_CADRE],
                  education=Education.SENIOR, phone="13900000099")
    body = _get(client, "/api/v1/people", _token_for(world, "organiser_a")).get_json()
    names = [item["name"] for item in body["items"]]
    assert world.person_b1.name not in names and sorted(names) == sorted(["王书记", world.person_a1.name])
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 50, 2, 1)
    secretary = next(item for item in body["items"] if item["name"] == "王书记")
    assert secretary["cadre_roles"] == ["branch_secretary", "village_cadre"]
    assert secretary["category"] == "full_member" and secretary["education"] == "senior"
    assert secretary["phone"] == "13900000099" and secretary["is_prosperity_leader"] is False
    assert secretary["unit"] == {"id": world.branch_a1.id, "code": "TA1", "name": world.branch_a1.name}
    assert set(secretary) == {"id", "name", "gender", "birth_year", "phone", "id_number", "category",
                              "cadre_roles", "education", "is_prosperity_leader", "post", "unit"}


def test_people_pagination(client, world):
    for number in range(60):
        create_person(world.branch_a2, f"分页{number:02d}")
    db.session.commit()
    plaintext = _token_for(world, "organiser_a")
    first = _get(client, "/api/v1/people", plaintext).get_json()
    assert (len(first["items"]), first["total"], first["pages"], first["page"]) == (50, 61, 2, 1)
    second = _get(client, "/api/v1/people?page=2", plaintext).get_json()
    assert len(second["items"]) == 11 and second["page"] == 2
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert len(set(ids)) == 61  # no one twice, no one lost between pages
    small = _get(client, "/api/v1/people?per_page=20&page=4", plaintext).get_json()
    assert (len(small["items"]), small["pages"], small["per_page"]) == (1, 4, 20)
    beyond = _get(client, "/api/v1/people?page=9", plaintext).get_json()
    assert beyond["items"] == [] and beyond["total"] == 61


@pytest.mark.parametrize("query, field", [
    ("per_page=201", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
    ("page=abc", "page"), ("unit=x", "unit"), ("category=member", "category"),
])
def test_invalid_query_gets_422_in_the_error_shape(client, world, query, field):
    response = _get(client, f"/api/v1/people?{query}", _token_for(world, "organiser_a"))
    error = _assert_error(response, 422, "unprocessable_entity")
    assert list(error["details"]["query"]) == [field]
    assert isinstance(error["details"]["query"][field], list)


def test_anonymous_invalid_query_gets_401_before_validation(client, world):
    _assert_error(client.get("/api/v1/people?category=member"), 401, "unauthorized")


def test_people_filters(client, world):
    create_person(world.branch_a2, "王候选", category=PersonCategory.CANDIDATE)
    create_person(world.branch_a1, "赵积极", category=PersonCategory.ACTIVIST, phone="13712345678")
    create_person(world.branch_b1, "钱候选", category=PersonCategory.CANDIDATE)
    db.session.commit()
    plaintext = _token_for(world, "organiser_a")

    def names(query):
        body = _get(client, f"/api/v1/people?{query}", plaintext).get_json()
        return sorted(item["name"] for item in body["items"])

    assert names(f"unit={world.branch_a2.id}") == ["王候选"]
    assert names(f"unit={world.township_a.id}") == sorted([world.person_a1.name, "王候选", "赵积极"])
    assert names(f"unit={world.branch_b1.id}") == []  # another township's unit: empty, not an error
    assert names("unit=999999") == []
    assert names("category=candidate") == ["王候选"]
    assert names("q=积极") == ["赵积极"]
    assert names("q=1371") == ["赵积极"]
    assert names(f"category=candidate&unit={world.branch_a1.id}") == []


def test_id_number_masked_for_organisers_and_full_for_admin(client, world):
    full = world.person_a1.id_number
    masked = world.person_a1.masked_id_number
    assert masked != full
    url = f"/api/v1/people/{world.person_a1.id}"
    assert _get(client, url, _token_for(world, "organiser_a")).get_json()["id_number"] == masked
    assert _get(client, url, _token_for(world, "trainer")).get_json()["id_number"] == masked
    assert _get(client, url, _token_for(world, "admin")).get_json()["id_number"] == full
    listed = _get(client, "/api/v1/people", _token_for(world, "organiser_a")).get_json()["items"]
    assert [item["id_number"] for item in listed] == [masked]


def test_person_detail(client, world):
    body = _get(client, f"/api/v1/people/{world.person_b1.id}", _token_for(world, "organiser_b")).get_json()
    assert body["id"] == world.person_b1.id and body["name"] == world.person_b1.name
    assert body["unit"]["code"] == "TB1"


def test_unknown_person_and_unknown_path_get_404_json(client, world):
    plaintext = _token_for(world, "admin")
    _assert_error(_get(client, "/api/v1/people/999999", plaintext), 404, "not_found")
    _assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _assert_error(_get(client, "/api/v1/no-such-thing", plaintext), 404, "not_found")


def test_wrong_method_gets_405_json(client, world):
    response = client.post("/api/v1/people", headers=_bearer(_token_for(world, "admin")))
    _assert_error(response, 405, "method_not_allowed")


def _documented_operations(document) -> set[tuple[str, str]]:
    return {(path, method) for path, operations in document["paths"].items() for method in operations
            if method in {"get", "post", "put", "patch", "delete"}}


def _routed_operations(app) -> set[tuple[str, str]]:
    """Every API operation in the URL map, in the document's path syntax ({name})."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        operations |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def test_the_openapi_document_written_on_first_read_documents_every_route(app):
    """The document is written when first read, by whichever request reads it first: eight
    at once all get the whole document, and it names every operation the URL map routes."""
    documents, failures = [], []
    start = threading.Barrier(8)

    def fetch():
        try:
            start.wait(timeout=10)
            with app.app_context():  # the tests' client commits the test's session around a request
                response = app.test_client().get("/api/v1/openapi.json")
            assert response.status_code == 200
            documents.append(response.get_json())
        except Exception:  # reported below, with the others
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures[0]
    assert len(documents) == 8
    assert all(document == documents[0] for document in documents)
    documented = _documented_operations(documents[0])
    assert documented == _routed_operations(app)
    assert ("/api/v1/progress", "post") in documented and ("/api/v1/people/{person_id}", "get") in documented
    assert [tag["name"] for tag in documents[0]["tags"]] == ["api"]  # the blueprint's tag, written once


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    paths = document["paths"]
    assert set(paths) >= {"/api/v1/health", "/api/v1/me", "/api/v1/units", "/api/v1/people",
                          "/api/v1/people/{person_id}"}
    components = document["components"]
    assert components["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}

    assert "security" not in paths["/api/v1/health"]["get"]
    for path in ("/api/v1/me", "/api/v1/units", "/api/v1/people", "/api/v1/people/{person_id}"):
        operation = paths[path]["get"]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert "401" in operation["responses"], path
    for path in ("/api/v1/units", "/api/v1/people", "/api/v1/people/{person_id}"):
        assert "403" in paths[path]["get"]["responses"], path
    assert "404" in paths["/api/v1/people/{person_id}"]["get"]["responses"]
    assert "422" in paths["/api/v1/people"]["get"]["responses"]

    parameters = {parameter["name"]: parameter for parameter in paths["/api/v1/people"]["get"]["parameters"]}
    assert set(parameters) == {"page", "per_page", "unit", "category", "q"}
    assert parameters["per_page"]["schema"]["maximum"] == 200
    assert set(parameters["category"]["schema"]["enum"]) == {category.value for category in PersonCategory}

    schemas = components["schemas"]
    assert set(schemas["Person"]["properties"]) >= {"id", "name", "id_number", "category", "cadre_roles", "unit"}
    assert schemas["UnitNode"]["properties"]["children"]["items"] == {"$ref": "#/components/schemas/UnitNode"}
    assert set(schemas["PeoplePage"]["properties"]) == {"items", "page", "per_page", "total", "pages"}
    assert schemas["ApiError"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}

    # Every reference in the document resolves.
    for reference in _references(document):
        section, kind, name = reference.removeprefix("#/").split("/")
        assert name in document[section][kind], reference


def _references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)

