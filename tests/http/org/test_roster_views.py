"""Roster import pages: upload -> preview -> confirm -> job -> people listed; access and CSRF."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.org.models import Person
from tests.conftest import csrf_from, csrf_token, login
from tests.unit.org.test_roster_parse import HEADERS, csv_bytes, roster_row, xlsx_bytes
from tests.xls_files import xls_bytes


def people_count() -> int:
    return db.session.scalar(select(func.count(Person.id)))


def upload(client, data: bytes, filename: str = "花名册.xlsx"):
    token = csrf_token(client, "/people/import")
    return client.post("/people/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def staged_files(app) -> list[str]:
    """The files the staging service keeps for roster uploads, relative to their folder."""
    from pathlib import Path

    folder = Path(app.config["MEDIA_ROOT"]) / "staged" / "roster"
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())


def test_upload_preview_confirm_job_people(client, world, app):
    login(client, "org-a")
    page = client.get("/people/import").get_data(as_text=True)
    assert 'id="roster-file"' in page and 'name="file"' in page and 'id="roster-check"' in page
    assert "/people/import/template.xlsx" in page

    rows = [roster_row(100, name="新党员甲"), roster_row(101, branch_code="TA2", name="新党员乙"),
            roster_row(102, branch_code="TB1"), roster_row(103, id_number="150121")]
    response = upload(client, xlsx_bytes(rows), "../../etc/passwd.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="roster-preview"' in html and 'id="roster-errors"' in html and 'id="roster-confirm"' in html
    assert re.search(r'id="count-new">2<', html) and re.search(r'id="count-errors">2<', html)
    assert "新党员甲" in html
    assert people_count() == 2  # the preview saved nothing
    stored = staged_files(app)
    assert len(stored) == 2 and all(re.fullmatch(r"[0-9a-f]{32}/(file|meta\.json)", name) for name in stored)

    upload_id = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    response = client.post("/people/import/confirm", data={"csrf_token": csrf_from(html), "upload": upload_id})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="job-result-people"' in job_page and 'id="roster-errors"' in job_page
    assert re.search(r'id="result-created">2<', job_page)
    assert f"/units/{world.township_a.id}/slips" in job_page
    assert people_count() == 4
    assert staged_files(app) == []  # the job removed the upload

    people = client.get("/people?q=新党员").get_data(as_text=True)
    assert "新党员甲" in people and "新党员乙" in people

    again = client.post("/people/import/confirm", data={"csrf_token": csrf_from(html), "upload": upload_id})
    assert again.status_code == 404  # the upload was used up


def test_reimport_shows_unchanged(client, world):
    login(client, "admin")
    data = csv_bytes([roster_row(100)])
    html = upload(client, data, "r.csv").get_data(as_text=True)
    upload_id = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    client.post("/people/import/confirm", data={"csrf_token": csrf_from(html), "upload": upload_id})
    html = upload(client, data, "r.csv").get_data(as_text=True)
    assert re.search(r'id="count-new">0<', html) and re.search(r'id="count-unchanged">1<', html)


@pytest.mark.parametrize("data,filename,needle", [
    (b"", "empty.csv", "The file is empty."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "The old Excel file (.xls) could not be read"),
    (bytes(range(256)) * 10, "random.xlsx", "not a spreadsheet"),
    (csv_bytes([["王一"]], headers=["姓名", "电话"]), "wrong.csv", "missing: 身份证号、所在支部编码、人员类别"),
])
def test_bad_files_get_a_clear_message_and_change_nothing(client, world, app, data, filename, needle):
    login(client, "org-a")
    client.get("/lang/en")
    before = people_count()
    response = upload(client, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="roster-file-error"' in html and needle in html
    assert people_count() == before
    assert staged_files(app) == []


def test_file_over_the_configured_size_is_refused(client, world, app):
    app.config["ROSTER_MAX_BYTES"] = 2000
    login(client, "org-a")
    client.get("/lang/en")
    response = upload(client, xlsx_bytes([roster_row(n) for n in range(100, 200)]))
    assert response.status_code == 400 and "larger than 0.00190735 MB" in response.get_data(as_text=True)
    assert people_count() == 2
    assert staged_files(app) == []


def test_forged_post_without_csrf_is_refused(client, world):
    login(client, "org-a")
    response = client.post("/people/import", data={"file": (io.BytesIO(xlsx_bytes([roster_row(100)])), "r.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    response = client.post("/people/import/confirm", data={"upload": "00000000-0000-4000-8000-000000000000"})
    assert response.status_code == 400
    assert people_count() == 2


def test_confirm_of_someone_elses_or_malformed_upload_is_not_found(client, world, app):
    login(client, "org-a")
    html = upload(client, xlsx_bytes([roster_row(100)])).get_data(as_text=True)
    upload_id = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/people/import")})
    login(client, "org-b")
    token = csrf_token(client, "/people/import")
    for forged in (upload_id, "../lms.sqlite3", upload_id.upper(), ""):
        assert client.post("/people/import/confirm", data={"csrf_token": token, "upload": forged}).status_code == 404
    assert people_count() == 2


def test_member_is_forbidden_and_anonymous_is_sent_to_login(client, world):
    assert client.get("/people/import").status_code == 302
    assert "/login" in client.get("/people/import/template.xlsx").headers["Location"]
    login(client, "member-a1")
    assert client.get("/people/import").status_code == 403
    assert client.get("/people/import/template.xlsx").status_code == 403
    token = csrf_token(client, "/account/pin")
    assert client.post("/people/import/confirm", data={"csrf_token": token, "upload": "x"}).status_code == 403


def test_trainer_may_not_import(client, world):
    login(client, "trainer")
    assert client.get("/people/import").status_code == 403


def test_template_download(client, world):
    login(client, "org-a")
    response = client.get("/people/import/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet["A1"].value == "姓名*" and sheet["F2"].value in ("TA1", "TA2")


def test_an_old_excel_xls_roster_imports_like_the_xlsx(client, world):
    login(client, "org-a")
    before = people_count()
    rows = [roster_row(200, name="旧表党员甲"), roster_row(201, branch_code="TA2", name="旧表党员乙"),
            roster_row(202, name="")]
    html = upload(client, xls_bytes([HEADERS, *rows]), "花名册（WPS）.xls").get_data(as_text=True)
    assert re.search(r'id="count-new">2<', html) and re.search(r'id="count-errors">1<', html)
    assert "旧表党员甲" in html and people_count() == before
    upload_id = re.search(r'name="upload" value="([^"]+)"', html).group(1)
    response = client.post("/people/import/confirm", data={"csrf_token": csrf_from(html), "upload": upload_id})
    assert response.status_code == 302
    client.get(response.headers["Location"])
    assert people_count() == before + 2
