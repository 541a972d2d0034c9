"""Helpers of the package tests."""
from __future__ import annotations

from app.extensions import db
from app.packages.manifest import load_package
from app.packages.services import import_package


def import_and_commit(folder, owner, account=None):
    """Load and import the package in `folder` for `owner`, committed, as `lms courses import` does."""
    report = import_package(load_package(folder), owner_unit=owner, account=account)
    db.session.commit()
    return report
