"""Configurable study rules, read from app.config with the defaults county sites use.

Every rule has one LMS_* environment setting (see README). Values are read per call so
a test (or a township) can change them through the app's configuration.
"""
from __future__ import annotations

import os
from decimal import Decimal

from flask import current_app, has_app_context

from app.org.choices import CadreRole

# key -> (default, parser)



DEFAULTS: dict[str, tuple[str, object]] = {
    # A video/audio lesson is complete when unique watched time reaches this share of its duration.
    "LMS_COMPLETION_SHARE": ("0.9", float),
    # Self-study time: nothing counts before this much continuous watching (seconds) in a day.
    "LMS_SELF_STUDY_MIN_CONTINUOUS": ("120", float),
    # Self-study time: credit per resource (lesson) is capped (seconds).
    "LMS_SELF_STUDY_CAP": ("3600", float),
    # Group sessions: this many attended minutes make one credit hour ...
    "LMS_SESSION_MINUTES_PER_HOUR": ("45", float),
    # ... and credit is rounded down to this step of hours.
    "LMS_SESSION_HOURS_STEP": ("0.5", Decimal),
    # Yearly requirement (hours): members, and branch secretaries / committee members.
    "LMS_REQUIRED_HOURS_MEMBER": ("32", Decimal),
    "LMS_REQUIRED_HOURS_CADRE": ("56", Decimal),
    # Plausibility of reported playback: one event may not exceed this many seconds.
    "LMS_PROGRESS_MAX_EVENT_SECONDS": ("120", float),
    # Credited playback spends the learner's real time as the server measures it: a learner seen
    # for the first time has this many seconds, and time unspent for longer than the second
    # setting (a phone or terminal offline) is not kept.
    "LMS_PROGRESS_FIRST_BATCH_SECONDS": ("30", float),
    "LMS_PROGRESS_OFFLINE_SECONDS": ("7200", float),
    # Events older than this many days (a terminal offline for weeks) are refused as implausible.
    "LMS_PROGRESS_MAX_AGE_DAYS": ("60", float),
}

CADRE_ROLES_WITH_HIGHER_REQUIREMENT = frozenset({CadreRole.BRANCH_SECRETARY, CadreRole.COMMITTEE_MEMBER})


def setting(key: str, app=None):
    """A rule's value: the app's config (`app`, else the current app's), else the environment."""
    default, parser = DEFAULTS[key]
    value = None
    if app is None and has_app_context():
        app = current_app
    if app is not None:
        value = app.config.get(key)
    if value in (None, ""):
        value = os.environ.get(key) or default
    return parser(str(value))


def completion_share() -> float:
    return setting("LMS_COMPLETION_SHARE")


def required_hours(person) -> Decimal:
    """The yearly requirement for a person (regulation defaults until training plans exist)."""
    if person is not None and CADRE_ROLES_WITH_HIGHER_REQUIREMENT.intersection(person.cadre_roles):
        return setting("LMS_REQUIRED_HOURS_CADRE")
    return setting("LMS_REQUIRED_HOURS_MEMBER")
