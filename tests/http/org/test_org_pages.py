"""Units, sites and people pages: the access matrix and what each page shows."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org.choices import CadreRole, PersonCategory
from app.org.models import Site, Unit
from tests.conftest import csrf_token, login
from tests.factories import create_person


def _url(world, name):
    return {
        "units": "/units",
        "unit_a": f"/units/{world.township_a.id}",
        "unit_b": f"/units/{world.township_b.id}",
        "sites": "/sites",
        "site_a": f"/sites/{world.site_a1.id}",
        "site_b": f"/sites/{world.site_b1.id}",
        "people": "/people",
        "person_a": f"/people/{world.person_a1.id}",
        "person_b": f"/people/{world.person_b1.id}",
    }[name]


# (username or None for anonymous) -> expected status per page
MATRIX = {
    None: dict.fromkeys(["units", "unit_a", "unit_b", "sites", "site_a", "site_b", "people", "person_a", "person_b"], 302),
    "member-a1": dict.fromkeys(["units", "unit_a", "unit_b", "sites", "site_a", "site_b", "people", "person_a", "person_b"], 403),
    "tv-a1": dict.fromkeys(["units", "unit_a", "unit_b", "sites", "site_a", "site_b", "people", "person_a", "person_b"], 403),
    "org-a": {"units": 200, "unit_a": 200, "unit_b": 404, "sites": 200, "site_a": 200, "site_b": 404,
              "people": 200, "person_a": 200, "person_b": 404},
    "org-b": {"units": 200, "unit_a": 404, "unit_b": 200, "sites": 200, "site_a": 404, "site_b": 200,
              "people": 200, "person_a": 404, "person_b": 200},
    "sec-a1": {"units": 200, "unit_a": 404, "unit_b": 404, "sites": 200, "site_a": 200, "site_b": 404,
               "people": 200, "person_a": 200, "person_b": 404},
    "trainer": dict.fromkeys(["units", "unit_a", "unit_b", "sites", "site_a", "site_b", "people", "person_a", "person_b"], 200),
    "admin": dict.fromkeys(["units", "unit_a", "unit_b", "sites", "site_a", "site_b", "people", "person_a", "person_b"], 200),
}


@pytest.mark.parametrize("username", list(MATRIX))
def test_access_matrix(client, world, username):
    if username:
        login(client, username)
    for page, expected in MATRIX[username].items():
        response = client.get(_url(world, page))
        assert response.status_code == expected, f"{username} {page}"
        if expected == 302:
            assert "/login" in response.headers["Location"]


def test_people_list_is_scoped(client, world):
    login(client, "org-a")
    html = client.get("/people").get_data(as_text=True)
    assert world.person_a1.name in html and world.person_b1.name not in html


def test_people_list_filters_and_search(client, world):
    create_person(world.branch_a2, "王书记", category=PersonCategory.FULL_MEMBER,
                  cadre_roles=[CadreRole.BRANCH_SECRETARY], phone="13911112222")
    create_person(world.branch_a2, "赵群众", category=PersonCategory.NON_MEMBER)
    db.session.commit()
    login(client, "org-a")
    html = client.get("/people?category=non_member").get_data(as_text=True)
    assert "赵群众" in html and "王书记" not in html
    html = client.get("/people?cadre_role=branch_secretary").get_data(as_text=True)
    assert "王书记" in html and "赵群众" not in html
    html = client.get(f"/people?unit={world.branch_a2.id}").get_data(as_text=True)
    assert "王书记" in html and world.person_a1.name not in html
    assert "王书记" in client.get("/people?q=书记").get_data(as_text=True)
    assert "王书记" in client.get("/people?q=1391111").get_data(as_text=True)
    # A unit outside the scope filters to nothing rather than leaking.
    html = client.get(f"/people?unit={world.branch_b1.id}").get_data(as_text=True)
    assert world.person_b1.name not in html and "没有符合条件的人员" in html
    # Junk filter values are ignored, not errors.
    assert client.get("/people?category=<script>&unit=abc&page=-1").status_code == 200


def test_people_list_paginates(client, world):
    for index in range(60):
        create_person(world.branch_a1, f"成员{index:02d}")
    db.session.commit()
    login(client, "org-a")
    first = client.get("/people").get_data(as_text=True)
    assert "第 1 页，共 2 页" in first and 'rel="next"' in first
    second = client.get("/people?page=2").get_data(as_text=True)
    assert "第 2 页，共 2 页" in second
    names_first = {f"成员{i:02d}" for i in range(60) if f"成员{i:02d}<" in first}
    names_second = {f"成员{i:02d}" for i in range(60) if f"成员{i:02d}<" in second}
    assert names_first and names_second and not names_first & names_second
    assert len(names_first | names_second) == 60


def test_id_number_masked_except_for_admin(client, world):
    login(client, "org-a")
    html = client.get(f"/people/{world.person_a1.id}").get_data(as_text=True)
    assert world.person_a1.id_number not in html and world.person_a1.masked_id_number in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "admin")
    assert world.person_a1.id_number in client.get(f"/people/{world.person_a1.id}").get_data(as_text=True)


def test_organiser_adds_branch_to_own_township(client, world):
    login(client, "org-a")
    url = f"/units/{world.township_a.id}"
    response = client.post(url, data={"code": "TA3", "name": "甲三村党支部", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.code == "TA3"))
    assert unit.parent_id == world.township_a.id and unit.path.startswith(world.township_a.path)
    assert unit.level == "branch"


def test_organiser_cannot_add_to_other_township(client, world):
    login(client, "org-a")
    token = csrf_token(client, f"/units/{world.township_a.id}")
    response = client.post(f"/units/{world.township_b.id}", data={"code": "X1", "name": "x", "csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(select(Unit).where(Unit.code == "X1")) is None


def test_duplicate_unit_code_is_refused_in_chinese(client, world):
    login(client, "org-a")
    url = f"/units/{world.township_a.id}"
    response = client.post(url, data={"code": "TA1", "name": "重复", "csrf_token": csrf_token(client, url)})
    assert "单位编码 TA1 已被使用" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.name == "重复")) == 0


def test_trainer_cannot_change_units(client, world):
    login(client, "trainer")
    url = f"/units/{world.township_a.id}"
    response = client.post(url, data={"code": "T9", "name": "x", "csrf_token": csrf_token(client, url)})
    assert response.status_code == 403


def test_forged_unit_post_without_csrf_changes_nothing(client, world):
    login(client, "org-a")
    response = client.post(f"/units/{world.township_a.id}", data={"code": "F1", "name": "伪造"})
    assert response.status_code == 400
    assert db.session.scalar(select(Unit).where(Unit.code == "F1")) is None


def test_add_site_only_to_branch_in_scope(client, world):
    login(client, "org-a")
    token = csrf_token(client, "/sites")
    response = client.post("/sites", data={"unit_id": world.branch_a2.id, "code": "SA2", "name": "甲二村活动室",
                                           "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(select(Site).where(Site.code == "SA2")).unit_id == world.branch_a2.id
    response = client.post("/sites", data={"unit_id": world.branch_b2.id, "code": "SB2", "name": "x",
                                           "csrf_token": token})
    assert response.status_code == 200  # not a valid choice for this organiser
    assert db.session.scalar(select(Site).where(Site.code == "SB2")) is None


def test_units_tree_shows_head_counts(client, world):
    login(client, "admin")
    html = client.get("/units").get_data(as_text=True)
    assert "测试旗" in html and "甲镇" in html and "乙二村党支部" in html
    assert "2 人" in html  # the county's two people


def test_home_page_by_role(client, world):
    login(client, "org-a")
    assert "您的管理范围" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "member-a1")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)  # a member's home is /me
    assert "设置签到密码" in html and "您的管理范围" not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tv-a1")
    assert "甲一村活动室" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("status", [403, 404])
def test_error_pages_share_the_layout(client, world, status):
    login(client, "member-a1")
    url = "/people" if status == 403 else "/no-such-page"
    response = client.get(url)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'class="site-header"' in html and "返回首页" in html
