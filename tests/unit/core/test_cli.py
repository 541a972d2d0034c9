"""The `lms` commands that set up an installation."""
import json

from sqlalchemy import func, select

from app.extensions import db
from app.org.models import Account, Person, Site, Unit


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Unit, Site, Person, Account))


def test_init_creates_admin_and_is_repeatable(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--admin", "boss", "--password", "boss-pass-1"])
    assert result.exit_code == 0, result.output
    account = db.session.scalar(select(Account).where(Account.username == "boss"))
    assert account.is_admin and account.scope_unit_id is None
    again = runner.invoke(args=["init", "--admin", "boss", "--password", "other-pass"])
    assert again.exit_code == 0 and "already exists" in again.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Account)) == 1


def test_init_refuses_short_password(app):
    result = app.test_cli_runner().invoke(args=["init", "--admin", "boss", "--password", "x"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(Account)) == 0


def test_secret_key_is_generated_into_instance_folder(make_app, tmp_path):
    app = make_app(SECRET_KEY=None)
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists() and app.secret_key == key_file.read_text().strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert make_app(SECRET_KEY=None).secret_key == app.secret_key  # stable across restarts


def test_demo_json_lists_every_login_and_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--json", "--no-courses"])
    assert result.exit_code == 0, result.output
    logins = json.loads(result.output)
    roles = [login["role"] for login in logins]
    assert roles.count("trainer") == 1
    assert roles.count("terminal") == 6  # one per site
    organisers = [login for login in logins if login["role"] == "organiser"]
    assert len(organisers) == 1 + 2 + 6  # the county, two townships, one secretary per branch
    assert {"username": "org-county", "password": "demo-lms-2026", "role": "organiser",
            "unit": "示范旗"} in logins
    assert all(set(login) == {"username", "password", "role", "unit"} for login in logins)
    first = _counts()
    assert first == (1 + 2 + 6, 6, 60, first[3])
    again = runner.invoke(args=["demo", "--json", "--no-courses"])
    assert json.loads(again.output) == logins
    assert _counts() == first


def test_demo_logins_work_for_every_role(app):
    from tests.conftest import login

    logins = json.loads(app.test_cli_runner().invoke(args=["demo", "--json", "--no-courses"]).output)
    seen_roles = set()
    for entry in logins:
        if entry["role"] in seen_roles:
            continue
        seen_roles.add(entry["role"])
        client = app.test_client()
        login(client, entry["username"], entry["password"])
        assert client.get("/", follow_redirects=True).status_code == 200  # a member lands on /me
    assert seen_roles == {"trainer", "organiser", "terminal", "member"}


def test_demo_people_have_valid_id_numbers_and_mixed_categories(app):
    from app.org.id_number import parse_id_number

    app.test_cli_runner().invoke(args=["demo", "--no-courses"])
    people = list(db.session.scalars(select(Person)))
    assert len({p.category for p in people}) == 5
    for person in people:
        info = parse_id_number(person.id_number)
        assert info.gender == person.gender and info.birth_date.year == person.birth_year


def test_worker_refuses_in_eager_mode(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "JOBS_EAGER" in result.output


def test_every_command_has_help(app):
    runner = app.test_cli_runner()
    for command in (["init"], ["demo"], ["serve"], ["worker"], ["members"], ["tokens"], ["i18n"]):
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_init_creates_the_named_county_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--county", "示范旗", "--county-code", "150121", "--admin", "boss",
                                 "--password", "boss-pass-1234"])
    assert result.exit_code == 0, result.output
    assert "示范旗" in result.output
    again = runner.invoke(args=["init", "--county", "别的旗"])
    assert again.exit_code == 0 and "left unchanged" in again.output
    db.session.expire_all()
    assert [(unit.code, unit.name, unit.level) for unit in db.session.scalars(select(Unit))] == [
        ("150121", "示范旗", "county")]


def test_demo_after_init_uses_the_county_init_made(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init", "--admin", "boss", "--password", "boss-pass-1234"]).exit_code == 0
    result = runner.invoke(args=["demo", "--no-courses"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    roots = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None))))
    assert [(unit.code, unit.name) for unit in roots] == [("150121", "示范旗")]
