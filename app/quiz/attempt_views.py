"""Taking a quiz: the quiz page, starting (also on a shared terminal: for a member who enters
a PIN, or, while a group session covering the quiz is open there, for anyone signed in at roll
call, who needs no PIN), answering one question per page (terminal) or all on one page (phone), submitting,
and the result with explanations.

Every page works with JavaScript off; static/quiz/keys.js only adds number keys and Enter.
"""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core.i18n import format_moment
from app.core.params import id_arg
from app.core.permissions import can
from app.extensions import limiter
from app.org.services import verify_pin
from app.quiz import queries, services
from app.quiz.group_mode import group_mode
from app.quiz.forms import ConfirmForm, StartForm, TerminalStartForm
from app.quiz.models import Attempt, AttemptStatus
from app.quiz.presenter import question_view


def _is_terminal() -> bool:
    return can(current_user, "act_as_terminal")


def _no_store(html: str):
    """Attempt pages hold a person's answers: never cached (a shared terminal, a back button)."""
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
def quiz_page(quiz_id: int):
    quiz = queries.get_quiz_for_learner_or_404(current_user, quiz_id)
    person = queries.learner_person(current_user)
    attempts = queries.attempts_of(quiz, person) if person else []
    terminal_form = None
    group_session = group_mode().open_session_for_quiz(current_user, quiz) if _is_terminal() else None
    takers = group_mode().session_takers(group_session, quiz, current_user) if group_session else []
    if _is_terminal() and group_session is None:
        terminal_form = TerminalStartForm()
        terminal_form.person.choices = [SelectChoice(p.id, p.name) for p in queries.people_for_terminal(current_user)]
    counted = services.counted_attempt(quiz, person.id) if person else None
    return render_template(
        "quiz/quiz_page.html", quiz=quiz, person=person, attempts=attempts, counted=counted,
        open_attempt=next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None),
        attempts_left=None if quiz.max_attempts is None else max(0, quiz.max_attempts - len(attempts)),
        question_count=_question_count(quiz), start_form=StartForm(), terminal_form=terminal_form,
        group_session=group_session, takers=takers,
        next_taker=next((taker for taker in takers if not taker.has_taken), None),
        answers_available=bool(group_session) and group_mode().session_answers_available(quiz, takers),
        can_manage=can(current_user, "manage_quizzes"), terminal=_is_terminal())


def _question_count(quiz) -> int:
    return sum(1 if not slot.is_draw else slot.draw_count for slot in quiz.slots)


def _first_page(attempt: Attempt):
    if _is_terminal() or request.form.get("layout") == "paged":
        return redirect(url_for("quiz.attempt_question", attempt_id=attempt.id, position=1))
    return redirect(url_for("quiz.attempt_page", attempt_id=attempt.id))


@login_required
@limiter.limit("30 per minute", methods=["POST"])
def start(quiz_id: int):
    quiz = queries.get_quiz_for_learner_or_404(current_user, quiz_id)
    if _is_terminal():
        return _terminal_start(quiz)
    person = queries.learner_person(current_user)
    if person is None:
        abort(403)
    if not StartForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(quiz, person, account=current_user)
    except services.QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    return _first_page(attempt)


def _terminal_start(quiz):
    """The terminal starts an attempt for a member of its branch, who proves who they are with
    their PIN; while a group session covering the quiz is open, for someone signed in to it.
    The attempt records the person and the terminal."""
    group_session = group_mode().open_session_for_quiz(current_user, quiz)
    if group_session is not None:
        return _session_start(quiz, group_session)
    form = TerminalStartForm()
    form.person.choices = [SelectChoice(p.id, p.name) for p in queries.people_for_terminal(current_user)]
    if not form.validate_on_submit():
        flash(_("Choose your name and enter your PIN."), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    person = queries.get_terminal_person_or_404(current_user, form.person.data)
    account = queries.account_of_person(person)
    check = verify_pin(account, form.pin.data) if account is not None else None
    if check is None or not check.ok:
        flash(_pin_refusal(person, check), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    try:
        attempt = services.start_attempt(quiz, person, account=current_user, terminal=current_user)
    except services.QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    return _terminal_first_page(quiz, attempt)


def _pin_refusal(person, check) -> str:
    """Wrong PINs count against the person wherever typed (app.org.services.verify_pin)."""
    if check is not None and check.locked_until is not None:
        return _("Too many wrong PINs: PIN sign-in for %(name)s is locked until %(time)s.",
                 name=person.name, time=format_moment(check.locked_until))
    return _("Wrong PIN for %(name)s. Tries left: %(num)d.", name=person.name,
             num=check.tries_left if check is not None else 0)


def _session_start(quiz, group_session):
    """Group-session mode: the person was identified at roll call, so no PIN. Someone not signed
    in to the session (absent, left early, on leave, a forged id) is not found. The session is
    linked to the attempt implicitly (see app.study.sessions.quiz_mode.session_takers): the schema has no column."""
    if not StartForm().validate_on_submit():
        abort(400)
    taker = group_mode().get_session_taker_or_404(group_session, quiz, current_user, id_arg("person", source=request.form))
    try:
        attempt = services.start_attempt(quiz, taker.person, account=current_user, terminal=current_user)
    except services.QuizError as error:
        flash(str(error), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    return _terminal_first_page(quiz, attempt)


def _terminal_first_page(quiz, attempt: Attempt):
    if attempt.terminal_account_id != current_user.id:
        # The person's open attempt was started on their own phone: finish it there.
        flash(_("%(name)s has an unfinished attempt on another device.", name=attempt.person.name), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    return redirect(url_for("quiz.attempt_question", attempt_id=attempt.id, position=1))


def _open_attempt_or_result(attempt_id: int):
    """(attempt, None) while it can be answered, else (attempt, redirect to the result)."""
    attempt = queries.get_attempt_for_taker_or_404(current_user, attempt_id)
    services.expire_if_overdue(attempt, current_user)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return attempt, redirect(url_for("quiz.attempt_result", attempt_id=attempt.id))
    return attempt, None


def _form_values(position: int) -> dict[str, list[str]]:
    """Posted values of one question: field q<n> and, for matching, q<n>_<pair>."""
    prefix = f"q{position}"
    values: dict[str, list[str]] = {}
    for key in request.form:
        if key == prefix:
            values[""] = request.form.getlist(key)
        elif key.startswith(prefix + "_"):
            values[key[len(prefix) + 1:]] = request.form.getlist(key)
    return values


def _responses_from_form(attempt: Attempt, positions) -> dict[int, object]:
    by_position = {q.position: q for q in attempt.questions}
    return {position: services.response_from_form(by_position[position], _form_values(position))
            for position in positions if position in by_position}


@login_required
def attempt_page(attempt_id: int):
    """All questions on one page (phones); the form posts straight to submit."""
    attempt, done = _open_attempt_or_result(attempt_id)
    if done:
        return done
    views = [question_view(question, reveal=False) for question in attempt.questions]
    return _no_store(render_template("quiz/attempt_all.html", attempt=attempt, quiz=attempt.quiz,
                                     questions=views, seconds_left=services.seconds_left(attempt),
                                     form=ConfirmForm()))


@login_required
def attempt_question(attempt_id: int, position: int):
    """One question per page (terminals). POST saves the answer and moves on."""
    attempt, done = _open_attempt_or_result(attempt_id)
    if done:
        return done
    total = len(attempt.questions)
    if not 1 <= position <= total:
        abort(404)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            services.save_responses(attempt, _responses_from_form(attempt, [position]))
        except services.QuizError as error:
            flash(str(error), "error")
            return redirect(url_for("quiz.attempt_result", attempt_id=attempt.id))
        target = position - 1 if request.form.get("go") == "back" else position + 1
        if target < 1:
            target = 1
        if target > total:
            return redirect(url_for("quiz.attempt_finish", attempt_id=attempt.id))
        return redirect(url_for("quiz.attempt_question", attempt_id=attempt.id, position=target))
    question = attempt.questions[position - 1]
    return _no_store(render_template(
        "quiz/attempt_question.html", attempt=attempt, quiz=attempt.quiz, question=question_view(question, reveal=False),
        position=position, total=total, seconds_left=services.seconds_left(attempt), form=ConfirmForm(),
        person=attempt.person, terminal=_is_terminal()))


@login_required
def attempt_finish(attempt_id: int):
    """Before submitting on a terminal: what is answered, and the submit button."""
    attempt, done = _open_attempt_or_result(attempt_id)
    if done:
        return done
    views = [question_view(question, reveal=False) for question in attempt.questions]
    return _no_store(render_template("quiz/attempt_finish.html", attempt=attempt, quiz=attempt.quiz,
                                     questions=views, seconds_left=services.seconds_left(attempt),
                                     form=ConfirmForm(), person=attempt.person, terminal=_is_terminal()))


@login_required
def attempt_submit(attempt_id: int):
    """Idempotent: a second submit (double click, retry after a dropped link) changes nothing
    and shows the stored result."""
    attempt = queries.get_attempt_for_taker_or_404(current_user, attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        responses = _responses_from_form(attempt, range(1, len(attempt.questions) + 1)) \
            if request.form.get("layout") == "all" else {}
        services.submit_attempt(attempt, current_user, responses)
    return redirect(url_for("quiz.attempt_result", attempt_id=attempt.id), code=303)


@login_required
def attempt_result(attempt_id: int):
    attempt = queries.get_attempt_for_taker_or_404(current_user, attempt_id)
    services.expire_if_overdue(attempt, current_user)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quiz.attempt_page", attempt_id=attempt.id))
    quiz = attempt.quiz
    group_session = group_mode().open_session_for_quiz(current_user, quiz) if _is_terminal() else None
    # In a group session the room sees the TV: between takers only the taker's own score; the
    # answers wait for the secretary (session_answers).
    views = [] if group_session else [question_view(question, reveal=quiz.show_explanations)
                                      for question in attempt.questions]
    return _no_store(render_template("quiz/attempt_result.html", attempt=attempt, quiz=quiz, questions=views,
                                     person=attempt.person, terminal=_is_terminal(), group_session=group_session,
                                     show_answers=quiz.show_explanations and not group_session))


@login_required
def session_answers(quiz_id: int):
    """The answers for the room, on the TV, once everyone signed in to the group session has
    taken the quiz and the secretary chooses to show them."""
    quiz = queries.get_quiz_for_learner_or_404(current_user, quiz_id)
    group_session = group_mode().open_session_for_quiz(current_user, quiz) if _is_terminal() else None
    if group_session is None:
        abort(404)
    takers = group_mode().session_takers(group_session, quiz, current_user)
    if not group_mode().session_answers_available(quiz, takers):
        flash(_("The answers are shown once everyone signed in has taken the quiz."), "error")
        return redirect(url_for("quiz.quiz_page", quiz_id=quiz.id))
    views = [question_view(question, reveal=True) for question in group_mode().session_answer_questions(takers)]
    return _no_store(render_template("quiz/session_answers.html", quiz=quiz, group_session=group_session,
                                     takers=takers, questions=views))
