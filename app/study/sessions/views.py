"""Organisers' and members' session pages. Thin: parse, load-and-authorise, call a service, render."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.localtime import local_zone
from app.core.params import id_arg, page_arg
from app.core.permissions import can
from app.extensions import db
from app.org import queries as org_queries
from app.study.sessions import queries, services
from app.study.sessions.forms import ActionForm, LeaveForm, LeaveForMemberForm, SessionForm
from app.study.sessions.models import AttendanceStatus


def _require_manager():
    if not can(current_user, "manage_sessions"):
        abort(403)


def _to_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=local_zone()).astimezone(timezone.utc)


def _person_id_or_403() -> int:
    if current_user.person_id is None:
        abort(403)
    return current_user.person_id


@login_required
def session_list():
    if can(current_user, "act_as_terminal"):
        return redirect(url_for("sessions.terminal_home"))
    if not can(current_user, "manage_sessions"):
        return redirect(url_for("sessions.my_sessions"))
    page = page_arg()
    return render_template("study/session_list.html", page=queries.list_sessions_for(current_user, page=page))


@login_required
def session_new():
    _require_manager()
    form = SessionForm()
    form.site_id.choices = [(site.id, f"{site.name} · {site.unit.name}")
                            for site in org_queries.list_sites_for(current_user)]
    form.course_id.choices = [(course.id, course.title) for course in queries.list_schedulable_courses_for(current_user)]
    if form.validate_on_submit():
        site = org_queries.get_site_or_404(current_user, form.site_id.data)
        course = queries.get_schedulable_course_or_404(current_user, form.course_id.data)
        try:
            session = services.schedule_session(
                by=current_user, site=site, title=form.title.data or "", course=course,
                starts_at=_to_utc(form.starts_at.data), planned_end_at=_to_utc(form.planned_end_at.data),
                late_entry_reason=form.late_entry_reason.data)
        except services.SessionError as error:
            flash(str(error), "error")
        else:
            flash(_("Session scheduled for %(n)d expected attendees.", n=len(session.expected_rows)), "success")
            return redirect(url_for("sessions.session_detail", session_id=session.id))
    return render_template("study/session_new.html", form=form, late_entry_days=services.LATE_ENTRY_WINDOW.days)


@login_required
def session_detail(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    query = request.args.get("q", "")[:50]
    return render_template(
        "study/session_detail.html", session=session, roster=queries.roster_for(session),
        summary=services.summarise(session), pending=queries.pending_leaves(session), action=ActionForm(),
        lessons=queries.lessons_of(session.course), chosen={row.lesson_id for row in session.lesson_rows},
        query=query, candidates=queries.find_people_to_invite(current_user, session, query))


def _act(session, action, success_message: str):
    try:
        action()
    except services.SessionError as error:
        flash(str(error), "error")
    else:
        flash(success_message, "success")
    return redirect(url_for("sessions.session_detail", session_id=session.id))


@login_required
def session_lessons(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = {int(value) for value in request.form.getlist("lesson") if value.isdigit()}
    lessons = [lesson for lesson in queries.lessons_of(session.course) if lesson.id in wanted]
    return _act(session, lambda: services.set_session_lessons(session, lessons), _("Lessons saved."))


@login_required
def expected_add(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = org_queries.get_person_or_404(current_user, id_arg("person_id", source=request.form) or 0)
    return _act(session, lambda: services.add_expected(session, person), _("%(name)s invited.", name=person.name))


@login_required
def expected_remove(session_id: int, person_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = queries.get_expected_person_or_404(session, person_id)
    return _act(session, lambda: services.remove_expected(session, person),
                _("%(name)s removed from the list.", name=person.name))


@login_required
def session_open(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _act(session, lambda: services.open_session(session, by=current_user), _("The session is open."))


@login_required
def session_close(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.close_session(session, by=current_user)
    flash(_("The session is closed."), "success")
    return redirect(url_for("sessions.session_detail", session_id=session.id))


@login_required
def leave_for_member(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    form = LeaveForMemberForm()
    form.person_id.choices = [(line.person.id, line.person.name) for line in queries.roster_for(session)]
    if form.validate_on_submit():
        person = queries.get_expected_person_or_404(session, form.person_id.data)
        try:
            services.file_leave(session, person, form.reason.data, by=current_user)
        except services.SessionError as error:
            flash(str(error), "error")
        else:
            flash(_("Leave request recorded for %(name)s.", name=person.name), "success")
            return redirect(url_for("sessions.session_detail", session_id=session.id))
    return render_template("study/session_leave.html", session=session, form=form, for_member=True)


@login_required
def leave_decide(session_id: int, leave_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    leave = queries.get_leave_or_404(session, leave_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    message = (_("Leave approved for %(name)s.", name=leave.person.name) if approve
               else _("Leave refused for %(name)s.", name=leave.person.name))
    return _act(session, lambda: services.decide_leave(leave, approve=approve, by=current_user), message)


@login_required
def session_sheet(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    return render_template("study/session_sheet.html", session=session, roster=queries.roster_for(session))


@login_required
def session_marks(session_id: int):
    _require_manager()
    session = queries.get_session_or_404(current_user, session_id)
    form = ActionForm()
    if form.validate_on_submit():
        allowed = {status.value for status in services.SHEET_STATUSES}
        marks = {}
        for line in queries.roster_for(session):
            value = request.form.get(f"mark-{line.person.id}", "")
            if value in allowed:
                marks[line.person.id] = AttendanceStatus(value)
        try:
            changed = services.record_sheet_marks(session, marks, by=current_user)
            if request.form.get("then") == "close":
                services.close_session(session, by=current_user)
        except services.SessionError as error:
            flash(str(error), "error")
        else:
            flash(_("%(n)d marks saved.", n=changed), "success")
            return redirect(url_for("sessions.session_detail", session_id=session.id))
    return render_template("study/session_marks.html", session=session, roster=queries.roster_for(session),
                           form=form, statuses=services.SHEET_STATUSES)


# --- members (phone) ------------------------------------------------------------

@login_required
def my_sessions():
    person_id = _person_id_or_403()
    upcoming = queries.list_upcoming_for_person(person_id)
    return render_template("study/session_mine.html", upcoming=upcoming,
                           leaves=queries.leaves_of_person(person_id, [session.id for session in upcoming]),
                           make_ups=queries.list_make_ups_for_person(person_id))


@login_required
def my_leave(session_id: int):
    person_id = _person_id_or_403()
    session = queries.get_session_for_person_or_404(person_id, session_id)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            services.file_leave(session, current_user.person, form.reason.data, by=current_user)
        except services.SessionError as error:
            flash(str(error), "error")
        else:
            flash(_("Your leave request was sent to the branch secretary."), "success")
            return redirect(url_for("sessions.my_sessions"))
    return render_template("study/session_leave.html", session=session, form=form, for_member=False)


@login_required
def checkin(token: str):
    """The page a phone opens after scanning the TV's code; the button signs the member in."""
    form = ActionForm()
    session_id = services.session_id_from_token(token)
    session = db.session.get(services.StudySession, session_id) if session_id else None
    if session is None:
        abort(404)
    if form.validate_on_submit():
        try:
            services.check_in_by_token(session, token, current_user)
        except services.SessionError as error:
            flash(str(error), "error")
            return render_template("study/session_checkin.html", session=session, token=token, form=form,
                                   failed=True), 409
        flash(_("You are signed in to %(title)s.", title=session.title), "success")
        return redirect(url_for("sessions.my_sessions"))
    return render_template("study/session_checkin.html", session=session, token=token, form=form, failed=False)
