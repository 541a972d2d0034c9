"""The monthly site report of one activity room (app.records.site_report), for the county's own tools."""
from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from app.api.auth import api_account
from app.api.blueprint import blp, secured
from app.org import queries as org_queries
from app.records import site_report


def _valid_month(text: str) -> None:
    try:
        site_report.parse_month(text)
    except ValueError:
        raise ValidationError(_("The month must be written as year-month, e.g. 2026-11.")) from None


class SiteReportQuerySchema(Schema):
    month = fields.String(required=True, validate=_valid_month,
                          metadata={"description": "The local calendar month, YYYY-MM", "example": "2026-11"})


class SiteReportSchema(Schema):
    site_id = fields.Integer(required=True)
    month = fields.String(required=True, metadata={"example": "2026-11"})
    sessions = fields.Integer(required=True, metadata={"description": "Group sessions held (closed, started in the month)"})
    viewing_hours = fields.Decimal(as_string=True, required=True,
                                   metadata={"description": "Terminal playback during those sessions, hours"})
    open_hours = fields.Decimal(as_string=True, required=True,
                                metadata={"description": "Sum of the sessions' open spans (planned span if entered afterwards)"})
    participation_rate = fields.Float(allow_none=True, required=True,
                                      metadata={"description": "(attended + made_up) / expected, 0..1; null when nobody was expected"})
    expected = fields.Integer(required=True, metadata={"description": "Members of the branch roster expected, per session"})
    attended = fields.Integer(required=True)
    made_up = fields.Integer(required=True)
    behind_rules = fields.Boolean(required=True, metadata={
        "description": "Fewer sessions than LMS_SITE_RULE_SESSIONS or fewer viewing hours than LMS_SITE_RULE_HOURS"})
    session_ids = fields.List(fields.Integer(), required=True, metadata={"description": "The sessions behind the figures"})


@blp.route("/sites/<int:site_id>/report")
@secured("view_records")
@blp.arguments(SiteReportQuerySchema, location="query", as_kwargs=True)
@blp.response(200, SiteReportSchema)
@blp.alt_response(404, response="NOT_FOUND")
def site_report_view(site_id: int, month: str):
    """A site's month against the site rules; 404 outside the caller's scope."""
    site = org_queries.get_site_or_404(api_account(), site_id)
    figures = site_report.site_figures(site, site_report.parse_month(month))
    return {"site_id": site.id, "month": str(figures.month), "sessions": figures.session_count,
            "viewing_hours": figures.viewing_hours, "open_hours": figures.open_hours,
            "participation_rate": figures.participation_rate, "expected": figures.expected,
            "attended": figures.attended, "made_up": figures.made_up, "behind_rules": figures.behind_rules,
            "session_ids": [item.session.id for item in figures.sessions]}
