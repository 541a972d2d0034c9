"""Error pages and JSON errors."""
from app.extensions import db


def test_unexpected_error_renders_500_page_and_rolls_back(make_app, world):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def explode():
        from app.org.models import Unit

        db.session.get(Unit, world.county.id).name = "半途而废"
        raise RuntimeError("boom")

    app.add_url_rule("/explode", view_func=explode)
    response = app.test_client().get("/explode")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "服务器出了点问题" in html and 'class="site-header"' in html and "boom" not in html
    db.session.expire_all()
    assert world.county.name == "测试旗"


def test_api_errors_are_json_with_stable_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"status": 404, "code": "not_found",
                                             "message": "没有找到该页面或记录，或不在您的管理范围内。"}}


def test_page_errors_are_html(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
