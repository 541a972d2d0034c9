"""URL rules of development files, plans and organiser reports (blueprint "records")."""
from flask import Blueprint

from app.records import presenter, views

records_bp = Blueprint("records", __name__, template_folder="templates")

_rule = records_bp.add_url_rule
_rule("/records", view_func=views.dashboard)
_rule("/records/units/<int:unit_id>", view_func=views.dashboard)
_rule("/records/units/<int:unit_id>/behind", view_func=views.behind_list)
_rule("/records/units/<int:unit_id>/chart.svg", view_func=views.dashboard_chart)
_rule("/records/units/<int:unit_id>/export.xlsx", view_func=views.export_xlsx)
_rule("/records/units/<int:unit_id>/export.csv", view_func=views.export_csv)
_rule("/records/units/<int:unit_id>/print", view_func=views.print_files)
_rule("/records/units/<int:unit_id>/plan", view_func=views.plan_edit, methods=["GET", "POST"])
_rule("/records/people/<int:person_id>", view_func=views.person_file)
_rule("/records/people/<int:person_id>/print", view_func=views.person_print)
_rule("/records/people/<int:person_id>/appraisal", view_func=views.appraisal_new, methods=["POST"])
_rule("/records/people/<int:person_id>/stage", view_func=views.stage_new, methods=["POST"])
_rule("/records/entries/<int:entry_id>/correct", view_func=views.correction_new, methods=["GET", "POST"])
_rule("/records/site-report", view_func=views.site_report_page)
_rule("/records/units/<int:unit_id>/site-report", view_func=views.site_report_page)
_rule("/records/units/<int:unit_id>/site-report/print", view_func=views.site_report_print)
_rule("/records/units/<int:unit_id>/site-report.xlsx", view_func=views.site_report_xlsx)
_rule("/records/sites/<int:site_id>/report", view_func=views.site_detail)
_rule("/records/appraisals/<int:questionnaire_id>", view_func=views.appraisal_results)
_rule("/records/appraisals/<int:questionnaire_id>/people/<int:person_id>", view_func=views.appraisal_record,
      methods=["POST"])
_rule("/records/feed", view_func=views.feed_status)
_rule("/records/feed/retry", view_func=views.feed_retry, methods=["POST"])


records_bp.add_app_template_filter(presenter.source_label, "records_source")
records_bp.add_app_template_filter(presenter.status_label, "records_status")
