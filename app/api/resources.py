"""Every module that adds routes to the API blueprint, in one list.

Each module decorates its views with `blp.route`, so importing it is what adds its routes;
create_app registers `blp` from here, after all of them are loaded.
"""
from __future__ import annotations

from app.api import courses, media, progress, quiz, ratings, records, sites, survey, views
from app.api.blueprint import blp

RESOURCE_MODULES = (views, courses, ratings, progress, quiz, media, records, sites, survey)

__all__ = ["blp", "RESOURCE_MODULES"]
