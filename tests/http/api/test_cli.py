"""`lms tokens create/list/revoke`, and the printed token working against the API."""
from sqlalchemy import select

from app.api.models import ApiToken
from app.extensions import db


def test_create_prints_a_token_that_works(app, client, world):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "org-a", "--name", "nightly sync"])
    assert result.exit_code == 0, result.output
    plaintext = result.stdout.strip()
    assert result.stdout.count("\n") == 1 and plaintext.startswith("lms_")
    token = db.session.scalar(select(ApiToken))
    assert token.name == "nightly sync" and token.account.username == "org-a"
    assert token.token_hash == ApiToken.hash_token(plaintext)

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200 and response.get_json()["username"] == "org-a"


def test_create_for_unknown_user_fails(app, world):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "nobody"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "nobody" in result.stderr
    assert db.session.scalar(select(ApiToken)) is None


def test_list_and_revoke(app, client, world):
    runner = app.test_cli_runner()
    plaintext = runner.invoke(args=["tokens", "create", "org-a", "--name", "reports"]).stdout.strip()
    runner.invoke(args=["tokens", "create", "org-b", "--name", "other"])
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "reports"))

    listing = runner.invoke(args=["tokens", "list", "org-a"])
    assert listing.exit_code == 0
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == 2  # header + one token: org-b's token is not listed
    assert "reports" in lines[1] and token.prefix in lines[1] and lines[1].rstrip().endswith("no")
    assert plaintext not in listing.stdout

    revoked = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    db.session.refresh(token)
    assert token.is_revoked
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 401

    listing = runner.invoke(args=["tokens", "list", "org-a"])
    assert not listing.stdout.strip().splitlines()[1].rstrip().endswith("no")

    again = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert again.exit_code == 0 and "already" in again.stdout


def test_revoke_unknown_id_fails(app, world):
    result = app.test_cli_runner().invoke(args=["tokens", "revoke", "424242"])
    assert result.exit_code == 1 and "424242" in result.stderr


def test_list_for_unknown_user_fails(app, world):
    result = app.test_cli_runner().invoke(args=["tokens", "list", "nobody"])
    assert result.exit_code == 1 and "nobody" in result.stderr


def test_create_refuses_a_disabled_account(app, world):
    world.accounts["organiser_a"].is_enabled = False
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["tokens", "create", "org-a"])
    assert result.exit_code == 1 and "disabled" in result.stderr and result.stdout == ""
    assert db.session.scalar(select(ApiToken)) is None


def test_create_refuses_an_overlong_name(app, world):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "org-a", "--name", "x" * 101])
    assert result.exit_code == 1 and result.stdout == ""
    assert db.session.scalar(select(ApiToken)) is None
