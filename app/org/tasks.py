"""Jobs of the organisation domain."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _

from flask_babel import lazy_gettext as _l

from app.core.jobs import JobError, job_task, register_job_kind, report_progress
from app.extensions import db
from app.org import roster_import
from app.org.models import Account
from app.org.roster import RosterFileError


@job_task()
def run_roster_import(job, upload: str, account_id: int) -> dict:
    """Re-check a previewed roster upload and commit its valid rows (the job commits once).

    Safe to run again after a crash: nothing is written until the job's one commit, and the
    upload is discarded only after it.
    """
    account = db.session.get(Account, account_id)
    with force_locale((account.locale if account else None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if account is None or not account.is_enabled:
            raise JobError(_("The account that started this import no longer exists."))
        staged = roster_import.find_upload(upload, account.id)
        if staged is None:
            raise JobError(_("The uploaded file is no longer available. Upload it again."))
        report_progress(job, 10, _("Checking the rows…"))
        try:
            roster, report, existing = roster_import.check_upload(staged, account=account)
        except RosterFileError as error:
            roster_import.discard_upload(upload)
            raise JobError(error.message) from None
        # Progress is published before the first write: on SQLite it needs the write lock.
        report_progress(job, 50, _("Saving %(n)d rows…", n=report.created + report.updated))
        roster_import.write_checked(roster, report, existing)
        result = report.as_dict()
    roster_import.discard_upload(upload)
    return result


# A lost import (its worker died) simply runs again: it wrote nothing and the upload is kept.
register_job_kind("roster_import", _l("Roster import"), task=run_roster_import)
