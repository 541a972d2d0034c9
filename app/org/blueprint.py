"""URL rules of the organisation domain: accounts (auth_bp) and units/sites/people (org_bp)."""
from flask import Blueprint

from app.org import account_views, auth_views, roster_views, views

auth_bp = Blueprint("auth", __name__, template_folder="templates")
auth_bp.add_url_rule("/login", view_func=auth_views.login, methods=["GET", "POST"])
auth_bp.add_url_rule("/logout", view_func=auth_views.logout, methods=["POST"])
auth_bp.add_url_rule("/activate", view_func=auth_views.activate, methods=["GET", "POST"])
auth_bp.add_url_rule("/account/password", view_func=auth_views.password, methods=["GET", "POST"])
auth_bp.add_url_rule("/account/pin", view_func=auth_views.pin, methods=["GET", "POST"])

org_bp = Blueprint("org", __name__, template_folder="templates")
org_bp.add_url_rule("/units", view_func=views.units)
org_bp.add_url_rule("/units/<int:unit_id>", view_func=views.unit_detail, methods=["GET", "POST"])
org_bp.add_url_rule("/sites", view_func=views.sites, methods=["GET", "POST"])
org_bp.add_url_rule("/sites/<int:site_id>", view_func=views.site_detail)
org_bp.add_url_rule("/people", view_func=views.people)
org_bp.add_url_rule("/people/<int:person_id>", view_func=views.person_detail)
org_bp.add_url_rule("/people/<int:person_id>/post", view_func=views.person_post, methods=["POST"])
org_bp.add_url_rule("/people/import", view_func=roster_views.roster_upload, methods=["GET", "POST"])
org_bp.add_url_rule("/people/import/confirm", view_func=roster_views.roster_confirm, methods=["POST"])
org_bp.add_url_rule("/people/import/template.xlsx", view_func=roster_views.roster_template)
org_bp.add_url_rule("/units/<int:unit_id>/slips", view_func=roster_views.unit_slips, methods=["GET", "POST"])
org_bp.add_url_rule("/accounts", view_func=account_views.accounts)
org_bp.add_url_rule("/accounts/new", view_func=account_views.account_new, methods=["GET", "POST"])
org_bp.add_url_rule("/accounts/<int:account_id>", view_func=account_views.account_detail, methods=["GET", "POST"])
