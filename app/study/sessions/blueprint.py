"""URL rules of group sessions and terminal mode (blueprint "sessions")."""
from flask_babel import format_datetime
from flask_babel import format_date

from app.core.assets import AssetBlueprint
from app.core.model_base import as_utc
from app.quiz.group_mode import EXTENSION_KEY as QUIZ_GROUP_MODE
from app.study.sessions import quiz_mode, terminal_views
from app.study.sessions import views as session_views
from app.study.sessions.queries import overview_for_organiser

sessions_bp = AssetBlueprint("sessions", __name__, template_folder="templates", static_folder="static",
                        static_url_path="/static/study-sessions")

# Quiz pages on a terminal run in group-session mode while a session covering the quiz is open.
sessions_bp.record_once(lambda state: state.app.extensions.setdefault(QUIZ_GROUP_MODE, quiz_mode))

_rule = sessions_bp.add_url_rule
_rule("/sessions", view_func=session_views.session_list)
_rule("/sessions/new", view_func=session_views.session_new, methods=["GET", "POST"])
_rule("/sessions/mine", view_func=session_views.my_sessions)
_rule("/sessions/<int:session_id>", view_func=session_views.session_detail)
_rule("/sessions/<int:session_id>/lessons", view_func=session_views.session_lessons, methods=["POST"])
_rule("/sessions/<int:session_id>/expected", view_func=session_views.expected_add, methods=["POST"])
_rule("/sessions/<int:session_id>/expected/<int:person_id>/remove", view_func=session_views.expected_remove,
      methods=["POST"])
_rule("/sessions/<int:session_id>/open", view_func=session_views.session_open, methods=["POST"])
_rule("/sessions/<int:session_id>/close", view_func=session_views.session_close, methods=["POST"])
_rule("/sessions/<int:session_id>/leave", view_func=session_views.my_leave, methods=["GET", "POST"])
_rule("/sessions/<int:session_id>/leave/new", view_func=session_views.leave_for_member, methods=["GET", "POST"])
_rule("/sessions/<int:session_id>/leave/<int:leave_id>/decide", view_func=session_views.leave_decide,
      methods=["POST"])
_rule("/sessions/<int:session_id>/sheet", view_func=session_views.session_sheet)
_rule("/sessions/<int:session_id>/marks", view_func=session_views.session_marks, methods=["GET", "POST"])
_rule("/study/checkin/<token>", view_func=session_views.checkin, methods=["GET", "POST"])

_rule("/terminal", view_func=terminal_views.terminal_home)
_rule("/terminal/courses/<int:course_id>/start", view_func=terminal_views.terminal_start_course, methods=["POST"])
_rule("/terminal/sessions/<int:session_id>", view_func=terminal_views.terminal_session)
_rule("/terminal/sessions/<int:session_id>/open", view_func=terminal_views.terminal_open, methods=["POST"])
_rule("/terminal/sessions/<int:session_id>/roster", view_func=terminal_views.terminal_roster, methods=["GET", "POST"])
_rule("/terminal/sessions/<int:session_id>/roster/<int:person_id>", view_func=terminal_views.terminal_roster_toggle,
      methods=["POST"])
_rule("/terminal/sessions/<int:session_id>/pin", view_func=terminal_views.terminal_pin)
_rule("/terminal/sessions/<int:session_id>/pin/<int:person_id>", view_func=terminal_views.terminal_pin_person,
      methods=["GET", "POST"])
_rule("/terminal/sessions/<int:session_id>/qr", view_func=terminal_views.terminal_qr)
_rule("/terminal/sessions/<int:session_id>/play", view_func=terminal_views.terminal_play)
_rule("/terminal/sessions/<int:session_id>/lessons/<int:lesson_id>", view_func=terminal_views.terminal_lesson)
_rule("/terminal/sessions/<int:session_id>/left-early", view_func=terminal_views.terminal_left_early,
      methods=["GET", "POST"])
_rule("/terminal/sessions/<int:session_id>/close", view_func=terminal_views.terminal_close, methods=["GET", "POST"])


@sessions_bp.app_template_filter("session_time")
def session_time(value, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in the local zone (Asia/Shanghai by default)."""
    return format_datetime(as_utc(value), pattern) if value is not None else ""



@sessions_bp.app_template_filter("session_date")
def session_date(value) -> str:
    return format_date(value) if value is not None else ""


@sessions_bp.app_template_global("organiser_overview")
def organiser_overview(account):
    """For the home page (home/index.html includes study/_home_organiser.html): core knows no domain."""
    return overview_for_organiser(account)
