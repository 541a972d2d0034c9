"""What the home page shows each role: small read-only summaries from the domains' queries."""
from __future__ import annotations

from app.catalog import queries as catalog_queries
from app.core.jobs import Job, JobStatus, jobs_visible_to
from app.core.permissions import can
from app.extensions import db
from app.org import queries
from app.records import reminders


def recent_jobs_for(account, limit: int = 5) -> list[Job]:
    statement = jobs_visible_to(account).where(Job.account_id == account.id)
    return list(db.session.scalars(statement.order_by(Job.id.desc()).limit(limit)))


def panels_for(account) -> dict:
    panels: dict = {}
    if can(account, "view_people"):
        tree = queries.unit_tree_for(account)
        panels["units"] = tree
        panels["people_total"] = sum(node["people"] for node in tree)
        panels["jobs"] = recent_jobs_for(account)
        panels["jobs_running"] = [j for j in panels["jobs"] if j.status in (JobStatus.QUEUED, JobStatus.RUNNING)]
    if can(account, "view_records"):
        # What is due this week in the account's scope (secretaries and organisers).
        panels["reminders"] = reminders.grouped(reminders.due_this_week(account))
    if can(account, "manage_courses"):
        panels["my_courses"] = catalog_queries.count_managed_courses_by_status(account)
        panels["recent_courses"] = catalog_queries.list_managed_courses_for(account, per_page=5).items
    else:
        panels["available_courses"] = catalog_queries.count_courses_for(account)
    if can(account, "learn"):
        panels["person"] = account.person
        panels["has_pin"] = account.pin_hash is not None
    if can(account, "act_as_terminal"):
        panels["site"] = account.site
    return panels
