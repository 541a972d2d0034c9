"""Study rules whose values an installation configures (app.config, from LMS_* variables; see
app/config.py and README). Read from the app's configuration on each call, so a test (or a
township) changes them through app.config; the environment is read once, by create_app.
"""
from __future__ import annotations

from decimal import Decimal

from flask import current_app

from app.org.choices import CadreRole

CADRE_ROLES_WITH_HIGHER_REQUIREMENT = frozenset({CadreRole.BRANCH_SECRETARY, CadreRole.COMMITTEE_MEMBER})


def completion_share() -> float:
    return current_app.config["COMPLETION_SHARE"]


def required_hours(person) -> Decimal:
    """The yearly requirement for a person (regulation defaults until training plans exist)."""
    if person is not None and CADRE_ROLES_WITH_HIGHER_REQUIREMENT.intersection(person.cadre_roles):
        return current_app.config["REQUIRED_HOURS_CADRE"]
    return current_app.config["REQUIRED_HOURS_MEMBER"]
