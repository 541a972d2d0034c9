"""Units, sites and people pages. Thin: parse, load-and-authorise, call a service, render."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.params import id_arg, page_arg
from app.core.permissions import can, require
from app.org import queries, services
from app.org.choices import CadreRole, PersonCategory, Post, UnitLevel
from app.org.forms import PostForm, SiteForm, UnitForm


@require("view_people")
def units():
    return render_template("org/units.html", tree=queries.unit_tree_for(current_user))


@require("view_people")
def unit_detail(unit_id: int):
    unit = queries.get_unit_or_404(current_user, unit_id)
    child_level = unit.level_enum.child_level
    form = UnitForm()
    if request.method == "POST":
        if not can(current_user, "manage_units") or child_level is None:
            abort(403)
        if form.validate_on_submit():
            try:
                child = services.create_unit(code=form.code.data, name=form.name.data,
                                             level=child_level, parent=unit)
            except services.OrgError as error:
                flash(str(error), "error")
            else:
                flash(_("Added %(name)s.", name=child.name), "success")
                return redirect(url_for("org.unit_detail", unit_id=unit.id))
    return render_template("org/unit_detail.html", unit=unit, form=form, child_level=child_level,
                           people_count=queries.count_people_in(current_user, unit))


@require("view_people")
def sites():
    form = SiteForm()
    branches = [u for u in queries.list_units_for(current_user) if u.level == UnitLevel.BRANCH]
    form.unit_id.choices = [(u.id, f"{u.name} ({u.code})") for u in branches]
    if request.method == "POST":
        if not can(current_user, "manage_units"):
            abort(403)
        if form.validate_on_submit():
            unit = queries.get_unit_or_404(current_user, form.unit_id.data)
            try:
                site = services.create_site(unit=unit, code=form.code.data, name=form.name.data,
                                            address=form.address.data or "")
            except services.OrgError as error:
                flash(str(error), "error")
            else:
                flash(_("Added %(name)s.", name=site.name), "success")
                return redirect(url_for("org.sites"))
    return render_template("org/sites.html", sites=queries.list_sites_for(current_user), form=form)


@require("view_people")
def site_detail(site_id: int):
    site = queries.get_site_or_404(current_user, site_id)
    return render_template("org/site_detail.html", site=site)


@require("view_people")
def people():
    category = request.args.get("category") or None
    cadre_role = request.args.get("cadre_role") or None
    filters = queries.PeopleFilter(
        query=request.args.get("q", "")[:50],
        unit_id=id_arg("unit"),
        category=category if category in PersonCategory.__members__.values() else None,
        cadre_role=cadre_role if cadre_role in CadreRole.__members__.values() else None,
    )
    page = queries.list_people_for(current_user, filters, page=page_arg(),
                                   per_page=current_app.config["PEOPLE_PER_PAGE"])
    return render_template(
        "org/people.html", page=page, filters=filters, units=queries.list_units_for(current_user),
        categories=list(PersonCategory), cadre_roles=list(CadreRole),
    )


@require("view_people")
def person_detail(person_id: int):
    person = queries.get_person_or_404(current_user, person_id)
    return render_template("org/person_detail.html", person=person,
                           show_full_id=can(current_user, "see_full_id_number"),
                           post_form=_post_form(person) if can(current_user, "manage_people") else None)


def _post_form(person, formdata=None) -> PostForm:
    form = PostForm(formdata=formdata, data={"post": person.post or ""})
    form.post.choices = [("", _("No post"))] + [(post.value, post.label) for post in Post]
    return form


@require("manage_people")
def person_post(person_id: int):
    """Set or clear the post a member took on (设岗定责), shown in democratic appraisal."""
    person = queries.get_person_or_404(current_user, person_id)
    form = _post_form(person, request.form)
    if not form.validate_on_submit():
        flash(_("Choose one of the posts."), "error")
    else:
        services.set_post(person, form.post.data or None)
        flash(_("Saved the post."), "success")
    return redirect(url_for("org.person_detail", person_id=person.id))
