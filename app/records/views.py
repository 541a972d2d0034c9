"""Organiser reports, development files and plans. Thin: parse, load-and-authorise, call, render."""
from __future__ import annotations

import tempfile

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.core.localtime import local_year
from app.catalog import queries as catalog_queries
from app.core.downloads import attachment_name, streamed_response
from app.core.errors import InvalidArgument
from app.core.params import page_arg, year_arg
from app.core.permissions import can, require
from app.core.scope import unit_in_scope
from app.extensions import db
from app.org.choices import CadreRole, PersonCategory
from app.org import queries as org_queries
from app.org.models import Person
from app.records import appraisal, charts, exports, outbox, plans, queries, services, site_report, webhook
from app.records import dashboard as reports
from app.records.forms import AppraisalForm, AppraisalResultForm, CorrectionForm, PlanForm, StageForm
from app.records.models import AppraisalGrade, DevelopmentStage, EntryKind
from app.study.sessions.models import AttendanceStatus
from app.survey import appraisal as survey_appraisal
from app.survey import queries as survey_queries

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters() -> dict:
    year = year_arg(local_year())
    category = request.args.get("category") or None
    cadre_role = request.args.get("cadre_role") or None
    if category and category not in {c.value for c in PersonCategory}:
        category = None
    if cadre_role and cadre_role not in {r.value for r in CadreRole}:
        cadre_role = None
    return {"year": year, "category": category, "cadre_role": cadre_role}


def _unit(unit_id: int | None):
    if unit_id is None:
        unit = queries.home_unit_for(current_user)
        if unit is None:
            abort(404)
        return unit
    return org_queries.get_unit_or_404(current_user, unit_id)


def _query_args(filters: dict) -> dict:
    return {key: value for key, value in filters.items() if value}


@require("view_records")
def dashboard(unit_id: int | None = None):
    unit = _unit(unit_id)
    filters = _filters()
    report = reports.build_report(current_user, unit, filters["year"], category=filters["category"],
                                  cadre_role=filters["cadre_role"])
    parent = unit.parent if unit.parent is not None and unit_in_scope(unit.parent, current_user) else None
    return render_template("records/dashboard.html", report=report, unit=unit, parent=parent, filters=filters,
                           query_args=_query_args(filters), categories=list(PersonCategory),
                           cadre_roles=list(CadreRole), Standing=reports.Standing,
                           can_manage=can(current_user, "manage_records"), sees_feed=sees_feed(current_user))


@require("view_records")
def dashboard_chart(unit_id: int):
    unit = _unit(unit_id)
    filters = _filters()
    report = reports.build_report(current_user, unit, filters["year"], category=filters["category"],
                                  cadre_role=filters["cadre_role"])
    rows = report.children or [report.total]
    keys = [standing.value for standing in reports.Standing]
    series = {key: [round(100 * row.share(getattr(row, key)), 1) for row in rows] for key in keys}
    svg = charts.standing_bars([row.unit.name for row in rows], series,
                               {standing.value: str(standing.label) for standing in reports.Standing},
                               _("Share of people by standing, %(year)d", year=report.year))
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@require("view_records")
def behind_list(unit_id: int):
    unit = _unit(unit_id)
    filters = _filters()
    people = reports.behind_people(current_user, unit, filters["year"], category=filters["category"],
                                   cadre_role=filters["cadre_role"])
    return render_template("records/behind.html", unit=unit, people=people, filters=filters,
                           query_args=_query_args(filters))


@require("view_records")
def person_file(person_id: int):
    person = org_queries.get_person_or_404(current_user, person_id)
    context = _file_context(person)
    year_choices = context["years"] or [local_year()]
    appraisal_form = AppraisalForm(formdata=None)
    appraisal_form.year.choices = [SelectChoice(year, str(year)) for year in sorted(set(year_choices) | {local_year()}, reverse=True)]
    return render_template("records/person_file.html", **context, appraisal_form=appraisal_form,
                           stage_form=StageForm(formdata=None), can_manage=can(current_user, "manage_records"))


def _file_context(person) -> dict:
    years = queries.years_for(person)
    if local_year() not in years:
        years = sorted(set(years) | {local_year()}, reverse=True)
    summaries = []
    for year in years:
        terms = plans.terms_for_unit(person.unit, year)
        summaries.append({"year": year, "hours": queries.hours_in_year(person.id, year),
                          "target": plans.target_hours(person, year, terms), "terms": terms})
    entries = queries.list_entries_for(person)
    return {"person": person, "years": years, "summaries": summaries, "entries": entries,
            "corrections": queries.corrections_of([entry.id for entry in entries]),
            "kinds": EntryKind, "grades": AppraisalGrade, "stages": DevelopmentStage}


@require("view_records")
def person_print(person_id: int):
    person = org_queries.get_person_or_404(current_user, person_id)
    return render_template("records/print.html", files=[_file_context(person)], title=person.name)


@require("view_records")
def print_files(unit_id: int):
    unit = _unit(unit_id)
    people = queries.people_in_unit(current_user, unit)
    files = [_file_context(person) for person in db.session.scalars(people.order_by(Person.unit_id, Person.name))]
    return render_template("records/print.html", files=files, title=unit.name)


@require("view_records")
def export_xlsx(unit_id: int):
    unit = _unit(unit_id)
    year = _filters()["year"]
    spool = tempfile.TemporaryFile()
    exports.write_xlsx(current_user, unit, year, spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"records-{unit.code}-{year}.xlsx")


@require("view_records")
def export_csv(unit_id: int):
    # Written out before the response, like the XLSX: a generator streamed after the view runs
    # after the request's database session is gone (Flask 3.1 pushes the contexts again only
    # then), and its first query on the organiser or the unit failed with the download half-open.
    unit = _unit(unit_id)
    year = _filters()["year"]
    return streamed_response(exports.csv_lines(current_user, unit, year), mimetype="text/csv; charset=utf-8",
                             download_name=attachment_name(f"records-{unit.code}-{year}", "csv"))


@require("manage_records")
def plan_edit(unit_id: int):
    unit = _unit(unit_id)
    year = year_arg(local_year(), source=request.values)  # the form posts it back
    terms = plans.terms_for_unit(unit, year)
    form = PlanForm(data={"member_hours": terms.member_hours, "cadre_hours": terms.cadre_hours,
                          "other_hours": terms.other_hours, "deadline": terms.effective_deadline,
                          "course_ids": terms.course_ids})
    form.course_ids.choices = [SelectChoice(course.id, course.title) for course in
                               catalog_queries.list_courses_a_unit_may_require(current_user, unit)]
    if request.method == "POST" and form.validate_on_submit():
        try:
            plans.save_plan(unit, year, by=current_user, member_hours=form.member_hours.data,
                            cadre_hours=form.cadre_hours.data, other_hours=form.other_hours.data,
                            deadline=form.deadline.data, course_ids=form.course_ids.data or [])
        except plans.PlanError as error:
            flash(str(error), "error")
        else:
            flash(_("Saved the training plan for %(year)d.", year=year), "success")
            return redirect(url_for("records.dashboard", unit_id=unit.id, year=year))
    inherited = terms.plan is not None and terms.plan.unit_id != unit.id
    return render_template("records/plan_edit.html", unit=unit, year=year, form=form, terms=terms,
                           inherited=inherited)


@require("manage_records")
def appraisal_new(person_id: int):
    person = org_queries.get_person_or_404(current_user, person_id)
    form = AppraisalForm()
    form.year.choices = [SelectChoice(year, str(year)) for year in range(2000, 2101)]
    if form.validate_on_submit():
        try:
            services.add_appraisal(person, year=form.year.data, by=current_user, grade=form.grade.data or None,
                                   review=form.review.data or "", note=form.note.data or "")
        except services.RecordsError as error:
            flash(str(error), "error")
        else:
            flash(_("Added the appraisal."), "success")
    else:
        flash(_("Check the appraisal form."), "error")
    return redirect(url_for("records.person_file", person_id=person.id))


def _appraisal_or_404(questionnaire_id: int):
    """A democratic appraisal whose branch is in the account's scope."""
    questionnaire = survey_queries.get_managed_or_404(current_user, questionnaire_id)
    if questionnaire.appraisal_year is None:
        abort(404)
    return questionnaire


@require("view_records")
def appraisal_results(questionnaire_id: int):
    """Per member: the grades members and villagers gave, side by side, and the committee's form."""
    questionnaire = _appraisal_or_404(questionnaire_id)
    return render_template("records/appraisal.html", questionnaire=questionnaire,
                           results=survey_appraisal.appraisal_results(questionnaire), grades=survey_appraisal.GRADES,
                           recorded=appraisal.recorded_grades(questionnaire), labels=AppraisalGrade,
                           form=AppraisalResultForm(formdata=None), can_manage=can(current_user, "manage_records"))


@require("manage_records")
def appraisal_record(questionnaire_id: int, person_id: int):
    questionnaire = _appraisal_or_404(questionnaire_id)
    person = org_queries.get_person_or_404(current_user, person_id)
    form = AppraisalResultForm()
    if not form.validate_on_submit():
        flash(_("Choose a grade."), "error")
    else:
        try:
            appraisal.record_result(questionnaire, person, grade=form.grade.data, by=current_user,
                                    note=form.note.data or "")
        except services.RecordsError as error:
            flash(str(error), "error")
        else:
            flash(_("Recorded the appraisal of %(name)s in the development file.", name=person.name), "success")
    return redirect(url_for("records.appraisal_results", questionnaire_id=questionnaire.id) + f"#person-{person.id}")


@require("manage_records")
def stage_new(person_id: int):
    person = org_queries.get_person_or_404(current_user, person_id)
    form = StageForm()
    if form.validate_on_submit():
        services.set_stage(person, stage=form.stage.data, by=current_user, note=form.note.data or "")
        flash(_("Recorded the development stage."), "success")
    else:
        flash(_("Choose a development stage."), "error")
    return redirect(url_for("records.person_file", person_id=person.id))


@require("manage_records")
def correction_new(entry_id: int):
    entry = queries.get_entry_or_404(current_user, entry_id)
    form = CorrectionForm()
    form.status.choices = [SelectChoice("", "—")] + [SelectChoice(status.value, status.label)
                                                   for status in AttendanceStatus]
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.correct_entry(entry, by=current_user, reason=form.reason.data, hours=form.hours.data,
                                   status=form.status.data or None)
        except services.RecordsError as error:
            flash(str(error), "error")
        else:
            flash(_("Recorded the correction."), "success")
            return redirect(url_for("records.person_file", person_id=entry.person_id))
    return render_template("records/correction.html", entry=entry, form=form,
                           current_hours=services.effective_hours(entry))


def sees_feed(account) -> bool:
    """The feed is county-wide: its state is for those whose scope is the whole tree."""
    return can(account, "see_feed") and (account.scope_unit is None or account.scope_unit.parent_id is None)


@login_required
def feed_status():
    if not sees_feed(current_user):
        abort(403)
    return render_template("records/feed.html", backlog=outbox.backlog(), feed=outbox.configuration(),
                           refused=outbox.refused_statements(), retry_form=FlaskForm(),
                           webhook=webhook.backlog(), webhook_url=webhook.webhook_url())


@login_required
def feed_retry():
    """Queue the refused statements again (once the receiver's side is fixed)."""
    if not sees_feed(current_user):
        abort(403)
    if not FlaskForm().validate_on_submit():
        abort(400)
    count = outbox.retry_refused()
    db.session.commit()
    flash(_("%(count)d refused statements are queued again.", count=count), "success")
    return redirect(url_for("records.feed_status"))


# --- the monthly site report (站点学用情况) ---------------------------------------------------

def _month() -> site_report.Month:
    """?month=YYYY-MM, this month when absent; a clear 400 for anything else."""
    text = request.args.get("month")
    if not text:
        return site_report.current_month()
    try:
        return site_report.parse_month(text)
    except ValueError:
        raise InvalidArgument(_("The month must be written as year-month, e.g. 2026-11.")) from None


@require("view_records")
def site_report_page(unit_id: int | None = None):
    unit = _unit(unit_id)
    month = _month()
    report = site_report.build_site_report(current_user, unit, month)
    number = min(page_arg(), report.pages)
    parent = unit.parent if unit.parent is not None and unit_in_scope(unit.parent, current_user) else None
    return render_template("records/site_report.html", report=report, unit=unit, parent=parent, month=month,
                           sites=report.page(number), page=number)


@require("view_records")
def site_report_print(unit_id: int):
    unit = _unit(unit_id)
    month = _month()
    return render_template("records/site_report_print.html", cards=site_report.report_cards(current_user, unit, month),
                           unit=unit, month=month)


@require("view_records")
def site_report_xlsx(unit_id: int):
    unit = _unit(unit_id)
    month = _month()
    spool = tempfile.TemporaryFile()
    site_report.write_xlsx(site_report.build_site_report(current_user, unit, month), spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"site-report-{unit.code}-{month}.xlsx")


@require("view_records")
def site_detail(site_id: int):
    site = org_queries.get_site_or_404(current_user, site_id)
    month = _month()
    return render_template("records/site_detail.html", figures=site_report.site_figures(site, month), site=site,
                           month=month)
