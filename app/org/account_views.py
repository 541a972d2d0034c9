"""Account administration: admins for everyone, organisers inside their area."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.params import page_arg
from app.core.permissions import require
from app.org import queries, services
from app.org.choices import Role, UnitLevel
from app.org.forms import AccountCreateForm, AccountEditForm


@require("manage_accounts")
def accounts():
    role = request.args.get("role") or None
    listing = queries.list_accounts_for(current_user, role=role if role in {r.value for r in Role} else None,
                                        query=request.args.get("q", "")[:50],
                                        page=page_arg())
    return render_template("org/accounts.html", page=listing, roles=list(Role))


@require("manage_accounts")
def account_new():
    form = AccountCreateForm()
    units = queries.list_units_for(current_user)
    sites = queries.list_sites_for(current_user)
    form.role.choices = [(role.value, role.label) for role in services.roles_assignable_by(current_user)]
    form.unit_id.choices = [(0, "—")] + [(u.id, f"{'　' * u.depth}{u.name}") for u in units]
    form.site_id.choices = [(0, "—")] + [(s.id, f"{s.name} ({s.unit.name})") for s in sites]
    if form.validate_on_submit():
        unit = queries.get_unit_or_404(current_user, form.unit_id.data) if form.unit_id.data else None
        site = queries.get_site_or_404(current_user, form.site_id.data) if form.site_id.data else None
        try:
            account = services.create_managed_account(
                by=current_user, username=form.username.data, role=Role(form.role.data),
                password=form.password.data, unit=unit, site=site, display_name=form.display_name.data or "")
        except services.OrgError as error:
            flash(str(error), "error")
        else:
            flash(_("Added %(name)s.", name=account.username), "success")
            return redirect(url_for("org.account_detail", account_id=account.id))
    return render_template("org/account_new.html", form=form, branch_level=UnitLevel.BRANCH)


@require("manage_accounts")
def account_detail(account_id: int):
    account = queries.get_account_or_404(current_user, account_id)
    if account.role_enum not in services.roles_assignable_by(current_user):
        abort(403)  # an organiser may see, not change, a trainer of the county
    form = AccountEditForm(obj=account)
    if form.validate_on_submit():
        try:
            services.update_account(account, by=current_user, display_name=form.display_name.data or "",
                                    is_enabled=form.is_enabled.data)
            if form.new_password.data:
                services.set_password(account, form.new_password.data)
            if form.new_pin.data:
                services.set_pin(account, form.new_pin.data)
        except services.OrgError as error:
            flash(str(error), "error")
            # 422: the request's commit hook rolls back what was already changed (nothing half-saved)
            return render_template("org/account_detail.html", account=account, form=form), 422
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("org.account_detail", account_id=account.id))
    return render_template("org/account_detail.html", account=account, form=form)
