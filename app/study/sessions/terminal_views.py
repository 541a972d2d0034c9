"""The activity-room TV: today's sessions, roll call (roster, PIN, QR), play, close.

Every page works with JavaScript off (links and forms); static/js/terminal.js adds
arrow-key focus movement, number-key menus and roster autosave.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.catalog.markdown import render_markdown
from app.core.model_base import utcnow
from app.core.params import id_arg
from app.core.permissions import can
from app.extensions import limiter
from app.study.sessions import queries, terminal_menu
from app.study.sessions import services as services
from app.study.sessions.forms import ActionForm, PinSignInForm
from app.study.sessions.models import AttendanceSource

AD_HOC_SESSION_MINUTES = 90


def _require_roll_call():
    if not can(current_user, "run_roll_call"):
        abort(403)


def _load(session_id: int):
    _require_roll_call()
    return queries.get_session_or_404(current_user, session_id)


def _back(session):
    return redirect(url_for("sessions.terminal_session", session_id=session.id))


@login_required
def terminal_home():
    if not can(current_user, "act_as_terminal") or current_user.site is None:
        abort(403)
    site = current_user.site
    return render_template("study/terminal_home.html", site=site, today=queries.list_today_for_site(site.id),
                           courses=queries.list_courses_for_unit(site.unit), action=ActionForm())


@login_required
def terminal_start_course(course_id: int):
    """"Start session" on the TV without a schedule: the branch roster, starting now."""
    if not can(current_user, "act_as_terminal") or current_user.site is None:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    site = current_user.site
    course = next((course for course in queries.list_courses_for_unit(site.unit) if course.id == course_id), None)
    if course is None:
        abort(404)
    now = utcnow()
    try:
        session = services.schedule_session(by=current_user, site=site, title=course.title, course=course,
                                            starts_at=now, planned_end_at=now + timedelta(minutes=AD_HOC_SESSION_MINUTES))
        services.open_session(session, by=current_user, now=now)
    except services.SessionError as error:
        flash(str(error), "error")
        return redirect(url_for("sessions.terminal_home"))
    return _back(session)


@login_required
def terminal_session(session_id: int):
    session = _load(session_id)
    return render_template("study/terminal_session.html", session=session, summary=services.summarise(session),
                           action=ActionForm(), extra_items=terminal_menu.session_items())


@login_required
def terminal_open(session_id: int):
    session = _load(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.open_session(session, by=current_user)
    except services.SessionError as error:
        flash(str(error), "error")
    return _back(session)


@login_required
def terminal_roster(session_id: int):
    session = _load(session_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        ticked = {int(value) for value in request.form.getlist("present") if value.isdigit()}
        try:
            services.set_roster_ticks(session, ticked, by=current_user)
        except services.SessionError as error:
            flash(str(error), "error")
        else:
            flash(_("Roll call saved."), "success")
        return redirect(url_for("sessions.terminal_roster", session_id=session.id))
    return render_template("study/terminal_roster.html", session=session, roster=queries.roster_for(session),
                           form=form)


@login_required
def terminal_roster_toggle(session_id: int, person_id: int):
    """Autosave of one tick (terminal.js); JSON so the page can update without reloading."""
    session = _load(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    queries.get_expected_person_or_404(session, person_id)
    try:
        if request.form.get("present") == "1":
            row = services.sign_in(session, person_id, source=AttendanceSource.TICK, by=current_user)
        else:
            services.untick(session, person_id)
            row = None
    except services.SessionError as error:
        return jsonify({"error": {"status": 409, "code": "refused", "message": str(error)}}), 409
    return jsonify({"person_id": person_id, "present": row is not None,
                    "status": row.status if row else None,
                    "label": str(row.status_enum.label) if row else ""})


def _pin_limit_key() -> str:
    # Per person, not per session: a new ad-hoc session must not bring a fresh bucket. The lock
    # that really bounds guessing is the person's, in the database (app.org.services.verify_pin).
    return f"pin|{request.view_args.get('person_id')}"


@login_required
def terminal_pin(session_id: int):
    """Step 1 of PIN sign-in: the member chooses their name (arrow keys, or the roster number
    typed and Enter). A PIN never identifies a person alone."""
    session = _load(session_id)
    roster = queries.pin_roster_for(session)
    number = request.args.get("number", "").strip()
    if number:
        line = next((line for line in roster if number.isdigit() and line.number == int(number)), None)
        if line is None:
            flash(_("There is no number %(number)s on the list.", number=number[:6]), "error")
        elif not line.has_pin:
            flash(_("%(name)s has no PIN. Ask the secretary to tick the name on the roster.",
                    name=line.person.name), "error")
        elif line.is_signed_in:
            flash(_("%(name)s is already signed in.", name=line.person.name), "success")
        else:
            return redirect(url_for("sessions.terminal_pin_person", session_id=session.id, person_id=line.person.id))
        return redirect(url_for("sessions.terminal_pin", session_id=session.id))
    return render_template("study/terminal_pin.html", session=session, roster=roster)


@login_required
@limiter.limit("15 per minute", methods=["POST"], key_func=_pin_limit_key)
def terminal_pin_person(session_id: int, person_id: int):
    """Step 2: the PIN of the person chosen, checked against that person only."""
    session = _load(session_id)
    line = queries.get_pin_roster_line_or_404(session, person_id)
    form = PinSignInForm()
    if form.validate_on_submit():
        try:
            services.sign_in_by_pin(session, line.person, form.pin.data, by=current_user)
        except services.SessionError as error:
            flash(str(error), "error")
            return redirect(url_for("sessions.terminal_pin_person", session_id=session.id, person_id=person_id))
        flash(_("Welcome, %(name)s! You are signed in.", name=line.person.name), "success")
        return redirect(url_for("sessions.terminal_pin", session_id=session.id))
    locked_until = services.pin_locked_until(line.person)
    return render_template("study/terminal_pin_person.html", session=session, line=line, form=form,
                           locked_message=services.pin_locked_message(line.person, locked_until)
                           if locked_until else None)


@login_required
def terminal_qr(session_id: int):
    session = _load(session_id)
    token = services.make_checkin_token(session) if session.is_open else None
    qr_data_uri = None
    checkin_url = None
    if token:
        import segno  # deferred: the QR encoder loads only on the TV's QR page

        checkin_url = url_for("sessions.checkin", token=token, _external=True)
        qr_data_uri = segno.make(checkin_url, error="m").svg_data_uri(scale=8, border=2, dark="#000", light="#fff")
    now = utcnow()
    seconds_left = services.QR_WINDOW_SECONDS - int(now.timestamp()) % services.QR_WINDOW_SECONDS
    return render_template("study/terminal_qr.html", session=session, qr_data_uri=qr_data_uri,
                           checkin_url=checkin_url, refresh_seconds=seconds_left)


@login_required
def terminal_play(session_id: int):
    session = _load(session_id)
    return render_template("study/terminal_play.html", session=session, lessons=session.lessons)


@login_required
def terminal_lesson(session_id: int, lesson_id: int):
    """A lesson played on the TV inside a group session: a TV page (large type, remote keys)
    whose heartbeats carry the session, so everyone signed in at that moment is credited."""
    session = _load(session_id)
    lessons = list(session.lessons)
    lesson = next((item for item in lessons if item.id == lesson_id), None)
    if lesson is None:
        abort(404)
    index = lessons.index(lesson)
    return render_template(
        "study/terminal_lesson.html", session=session, lesson=lesson, course=lesson.course, media=lesson.media,
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
        body_html=render_markdown(lesson.body_markdown) if lesson.body_markdown else None)


@login_required
def terminal_left_early(session_id: int):
    session = _load(session_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        person = queries.get_expected_person_or_404(session, id_arg("person_id", source=request.form) or 0)
        try:
            services.mark_left_early(session, person.id, by=current_user)
        except services.SessionError as error:
            flash(str(error), "error")
        else:
            flash(_("%(name)s left early.", name=person.name), "success")
        return redirect(url_for("sessions.terminal_left_early", session_id=session.id))
    return render_template("study/terminal_left_early.html", session=session, form=form,
                           roster=[line for line in queries.roster_for(session) if line.is_signed_in])


@login_required
def terminal_close(session_id: int):
    session = _load(session_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.close_session(session, by=current_user)
        return redirect(url_for("sessions.terminal_close", session_id=session.id))
    return render_template("study/terminal_close.html", session=session, form=form,
                           summary=services.summarise(session), roster=queries.roster_for(session))
