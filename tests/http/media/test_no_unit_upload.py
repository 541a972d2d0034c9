"""An account without a unit cannot upload (every media belongs to a unit): the upload is
refused with a clear message and nothing is stored. `lms init` creates the top unit, so on a
fresh install the administrator's upload works."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.media.models import Media
from app.org.choices import Role
from app.org.models import Unit
from tests.conftest import login
from tests.factories import create_account
from tests.http.media.conftest import csrf_header, open_upload, plain_upload, stored_files

NO_UNIT = "没有所属单位"


def _media_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Media))


def test_admin_without_any_unit_is_refused_clearly(app, client, sources):
    create_account("boss", Role.ADMIN, None)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
    login(client, "boss")
    response = plain_upload(client, sources.plain_clip)
    assert response.status_code == 422 and NO_UNIT in response.get_data(as_text=True)
    response = open_upload(client, csrf_header(client), sources.plain_clip)
    assert response.status_code == 403 and NO_UNIT in response.get_json()["error"]["message"]
    assert _media_count() == 0 and not [name for name in stored_files(app) if name.startswith("media/")]


def test_lms_init_creates_the_county_so_the_admins_upload_works(app, client, sources):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--admin", "boss", "--password", "boss-pass-1234"])
    assert result.exit_code == 0, result.output
    county = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    assert county is not None and county.name == "本县" and county.level == "county"
    login(client, "boss", "boss-pass-1234")
    response = plain_upload(client, sources.plain_clip)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(select(Media.owner_unit_id)) == county.id
