"""Errors are logged and named: an unexpected exception is logged with its traceback and a
request id that the 500 page (and the JSON error) shows; the inputs that used to answer 500
answer a clear Chinese 4xx, or work."""
from __future__ import annotations

import logging
import re

import pytest

from app.api.services import create_token
from app.extensions import db
from app.quiz import services as quiz_services
from tests.conftest import csrf_token, login


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def production_app(app, make_app):
    """The app as served: unexpected exceptions are handled (500 page), not raised (the test
    app's context holds the database session the client commits)."""
    served = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def explode():
        raise RuntimeError("boom in the view")

    served.add_url_rule("/explode", view_func=explode)
    served.add_url_rule("/api/v1/explode", view_func=explode, endpoint="api_explode")
    handler = _Records()
    served.logger.addHandler(handler)
    yield served, handler
    served.logger.removeHandler(handler)


def test_unexpected_error_is_logged_with_traceback_and_the_id_the_page_shows(production_app):
    app, handler = production_app
    response = app.test_client().get("/explode?x=1")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    shown = re.search(r"错误编号：([0-9a-f]{12})", html)
    assert shown, html
    assert "boom" not in html  # the traceback is for the log, not the page
    (record,) = handler.records
    message = record.getMessage()
    assert shown.group(1) in message and "GET /explode?x=1" in message
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "boom in the view" in logging.Formatter().formatException(record.exc_info)


def test_api_500_names_the_request_id_and_a_forwarded_id_is_kept(production_app):
    app, handler = production_app
    response = app.test_client().get("/api/v1/explode", headers={"X-Request-ID": "nginx-4f2a9c01"})
    body = response.get_json()
    assert response.status_code == 500 and body["error"]["request_id"] == "nginx-4f2a9c01"
    assert "nginx-4f2a9c01" in handler.records[0].getMessage()
    response = app.test_client().get("/api/v1/explode", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{12}", response.get_json()["error"]["request_id"])


@pytest.mark.parametrize("url, words", [
    ("/courses?page=99999999999999999999", "页码"),
    ("/people?page=99999999999999999999", "页码"),
    ("/people?unit=99999999999999999999", "编号"),
    ("/accounts?page=99999999999999999999", "页码"),
    ("/media?page=99999999999999999999", "页码"),
    ("/sessions?page=99999999999999999999", "页码"),
    ("/records?year=-1", "年度"),
    ("/me/hours?year=99999", "年度"),
])
def test_overflowing_numbers_answer_a_clear_400(client, world, url, words):
    login(client, "member-a1" if url.startswith("/me/") else "trainer" if url.startswith("/media") else "admin")
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, url
    assert words in html and "之间的整数" in html, html
    # Values below 1 are taken as 1 (pages) or as no filter (ids): the message names 1, not -2147483647.
    assert "-2147483647" not in html and ("2000 到 2100" in html if words == "年度" else "必须是 1 到" in html), html


def test_plan_with_a_negative_year_is_a_clear_400(client, world):
    login(client, "org-a")
    response = client.get(f"/records/units/{world.township_a.id}/plan?year=-1")
    assert response.status_code == 400 and "年度" in response.get_data(as_text=True)


def test_overflowing_ids_in_the_address_are_not_found(client, world):
    login(client, "admin")
    assert client.get("/units/99999999999999999999").status_code == 404
    assert client.get(f"/records/units/{2 ** 63}/export.csv").status_code == 404


def test_api_records_cursor_overflow_is_a_422_naming_the_field(client, world):
    _token, plain = create_token(world.accounts["admin"], "feed")
    db.session.commit()
    response = client.get("/api/v1/records?since=99999999999999999999", headers={"Authorization": f"Bearer {plain}"})
    body = response.get_json()
    assert response.status_code == 422 and "since" in body["error"]["details"]["query"]
    assert body["error"]["message"] == "部分输入内容不正确。"


def test_township_chart_with_dollar_signs_in_a_unit_name(client, world):
    world.branch_a1.name = "$\\frac{1}{0}$村 $x^$ 党支部"
    db.session.commit()
    login(client, "org-a")
    response = client.get(f"/records/units/{world.township_a.id}/chart.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "$\\frac{1}{0}$村 $x^$ 党支部" in response.get_data(as_text=True)


def test_bank_name_with_line_breaks_downloads(client, world):
    bank = quiz_services.create_bank(name="党史\r\n题库\n第二行", unit=world.county)
    quiz_services.import_bank_file(bank, "::q:: 党员应当按期交纳党费。 {T}\n".encode(), filename="bank.gift")
    db.session.commit()
    login(client, "trainer")
    for format_name in ("xlsx", "gift", "moodle_xml"):
        response = client.get(f"/quiz/banks/{bank.id}/export/{format_name}")
        assert response.status_code == 200, format_name
        disposition = response.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        assert "%E5%85%9A%E5%8F%B2%20%E9%A2%98%E5%BA%93%20%E7%AC%AC%E4%BA%8C%E8%A1%8C" in disposition  # 党史 题库 第二行


def test_bank_created_in_the_form_with_line_breaks_works(client, world):
    login(client, "trainer")
    response = client.post("/quiz/banks", data={"name": "甲\r\n乙", "unit_id": world.county.id,
                                                "csrf_token": csrf_token(client, "/quiz/banks")})
    assert response.status_code in (200, 302, 400)
    assert client.get("/quiz/banks").status_code == 200


def test_nul_characters_in_a_search_are_dropped(client, world):
    """PostgreSQL cannot compare text holding NUL: the search used to answer 500 there."""
    login(client, "admin")
    response = client.get("/people?q=%00%E5%BC%A0")  # "\x00张"
    assert response.status_code == 200 and "张甲一" in response.get_data(as_text=True)
    assert client.get("/accounts?q=%00").status_code == 200
