"""The seam through which the catalog sorts and labels courses by their learners' rating.

Ratings belong to the study domain (a learner rates a course once they have completed it, and
completion lives in study), which sits above catalog, so catalog never imports it: study plugs
its provider (app.study.ratings.queries) in when its blueprint is registered. Without it the
catalog offers no rating sort.
"""
from __future__ import annotations

from typing import Protocol

from flask import current_app
from sqlalchemy import ColumnElement

EXTENSION_KEY = "catalog.course_ratings"


class CourseRatings(Protocol):
    """Ratings over the raters in the account's scope (its unit's subtree)."""

    def average_column(self, account) -> ColumnElement: ...  # correlated to Course.id; NULL: none

    def count_column(self, account) -> ColumnElement: ...

    def averages_for(self, account, course_ids: list[int]) -> dict[int, tuple[float, int]]: ...


def course_ratings() -> CourseRatings | None:
    return current_app.extensions.get(EXTENSION_KEY)
