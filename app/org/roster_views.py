"""Roster import pages and activation slips. Thin: parse, load-and-authorise, call a service, render."""
from __future__ import annotations

import io

from flask import abort, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.core.jobs import start_job
from app.core.permissions import require
from app.org import queries, roster_import, tasks
from app.org.choices import PersonCategory, UnitLevel
from app.org.forms import ConfirmForm, RosterUploadForm
from app.org.roster import RosterFileError, build_template

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require("manage_people")
def roster_upload():
    """GET: the upload form. POST: store the file and show the dry-run preview."""
    form = RosterUploadForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("org/roster_upload.html", form=form), 400
        staged = None
        try:
            staged = roster_import.store_upload(form.file.data.stream, current_user)
            _roster, report, _existing = roster_import.check_upload(staged, account=current_user)
        except RosterFileError as error:
            if staged is not None:
                roster_import.discard_upload(staged.id)
            return render_template("org/roster_upload.html", form=form, file_error=error.message), 400
        upload_id = staged.id
        if not report.outcomes:
            roster_import.discard_upload(upload_id)
            upload_id = None
        return render_template("org/roster_preview.html", report=report, upload_id=upload_id,
                               confirm_form=ConfirmForm(), categories=PersonCategory)
    return render_template("org/roster_upload.html", form=form)


@require("manage_people")
def roster_confirm():
    """Start the import job for a previewed upload of this user."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    upload_id = request.form.get("upload", "")
    if roster_import.find_upload(upload_id, current_user.id) is None:
        abort(404)
    job = start_job("roster_import", tasks.run_roster_import, account=current_user,
                    unit=current_user.scope_unit, payload={"upload": upload_id, "account_id": current_user.id})
    return redirect(url_for("core.job_status", job_id=job.id))


@require("manage_people")
def roster_template():
    branches = [unit for unit in queries.list_units_for(current_user) if unit.level == UnitLevel.BRANCH]
    data = build_template(branches[0].code if branches else "")
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="花名册导入模板.xlsx", max_age=0)


@require("manage_people")
def unit_slips(unit_id: int):
    """GET: explain and ask. POST: issue fresh codes and render the printable slips."""
    unit = queries.get_unit_or_404(current_user, unit_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        slips = roster_import.issue_activation_slips(unit, current_user)
        response = make_response(render_template(
            "org/slips_print.html", unit=unit, slips=slips, activate_url=url_for("auth.activate", _external=True),
        ))
        response.headers["Cache-Control"] = "no-store"  # the page holds live codes
        return response
    return render_template("org/slips.html", unit=unit, form=form,
                           waiting=roster_import.count_awaiting_activation(unit, current_user))
