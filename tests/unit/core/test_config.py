"""Configuration one way: every setting from an LMS_* variable with its default, read once at
app creation, and documented in README's configuration table."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.config import DERIVED_VARIABLES, FIXED_KEYS, VARIABLES, load_settings
from app.study import rules
from app.study.sessions import services as sessions

README = Path(__file__).resolve().parents[3] / "README.md"


def _readme_variables() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`(LMS_[A-Z0-9_]+)`", cell)}


def test_every_setting_has_a_variable_or_is_fixed_on_purpose():
    keys = set(load_settings())
    variable_keys = {variable.key for variable in VARIABLES} | set(DERIVED_VARIABLES)
    assert keys - variable_keys - FIXED_KEYS == set()
    assert FIXED_KEYS - keys == set() and FIXED_KEYS & variable_keys == set()


def test_every_variable_is_documented_in_the_readme_and_nothing_else_is():
    variables = {variable.env for variable in VARIABLES} | set(DERIVED_VARIABLES.values())
    documented = _readme_variables()
    assert variables - documented == set(), "missing from README's configuration table"
    assert documented - variables == set(), "README documents variables the app does not read"


def test_one_variable_sets_one_key():
    names = [variable.env for variable in VARIABLES] + list(DERIVED_VARIABLES.values())
    assert len(names) == len(set(names))
    assert "MEDIA_MAX_FILE_SIZE" not in load_settings()  # one upload limit, MEDIA_MAX_UPLOAD_BYTES


def test_settings_come_from_the_environment_once_at_app_creation(make_app, monkeypatch):
    monkeypatch.setenv("LMS_SESSION_LATE_GRACE_MINUTES", "25")
    monkeypatch.setenv("LMS_SESSION_MAKEUP_DUE_DAYS", "7")
    monkeypatch.setenv("LMS_COMPLETION_SHARE", "0.75")
    monkeypatch.setenv("LMS_REQUIRED_HOURS_MEMBER", "40.5")
    app = make_app()
    monkeypatch.setenv("LMS_COMPLETION_SHARE", "0.1")  # after creation: not seen
    with app.app_context():
        assert sessions.late_grace() == timedelta(minutes=25) and sessions.makeup_due_days() == 7
        assert rules.completion_share() == 0.75
        assert rules.required_hours(None) == Decimal("40.5")
        assert rules.required_hours(None) == app.config["REQUIRED_HOURS_MEMBER"]


def test_defaults_apply_when_a_variable_is_unset_or_empty(monkeypatch):
    monkeypatch.delenv("LMS_SESSION_LATE_GRACE_MINUTES", raising=False)
    monkeypatch.setenv("LMS_SESSION_MAKEUP_DUE_DAYS", "")
    settings = load_settings()
    assert (settings["SESSION_LATE_GRACE_MINUTES"], settings["SESSION_MAKEUP_DUE_DAYS"]) == (10, 14)
    assert settings["COMPLETION_SHARE"] == 0.9 and settings["MEDIA_MAX_UPLOAD_BYTES"] == 4 * 1024 ** 3


def test_a_malformed_value_names_its_variable(monkeypatch):
    monkeypatch.setenv("LMS_SESSION_MAKEUP_DUE_DAYS", "two weeks")
    with pytest.raises(ValueError, match="LMS_SESSION_MAKEUP_DUE_DAYS='two weeks'"):
        load_settings()
