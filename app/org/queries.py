"""Scoped reads of the organisation domain. Everything passes through app.core.scope."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy import func
from flask import abort

from app.core.scope import get_in_scope_or_404, scope_filter, scoped, subtree_condition
from app.extensions import db
from app.org.models import Account, Person, PersonCadreRole, Site, Unit


@dataclass
class PeopleFilter:
    query: str = ""
    unit_id: int | None = None
    category: str | None = None
    cadre_role: str | None = None


def people_statement(account: Account, filters: PeopleFilter):
    statement = scoped(Person, account)
    if filters.unit_id is not None:
        unit = db.session.scalar(scoped(Unit, account).where(Unit.id == filters.unit_id))
        if unit is None:
            return statement.where(False)  # outside scope: an empty list, not an error
        statement = statement.where(
            Person.unit_id.in_(select(Unit.id).where(subtree_condition(Unit.path, unit.path)))
        )
    if filters.category:
        statement = statement.where(Person.category == filters.category)
    if filters.cadre_role:
        statement = statement.where(
            Person.id.in_(select(PersonCadreRole.person_id).where(PersonCadreRole.role == filters.cadre_role))
        )
    text = filters.query.strip()
    if text:
        statement = statement.where(
            or_(
                Person.name.contains(text, autoescape=True),
                Person.phone.startswith(text, autoescape=True),
                Person.id_number.endswith(text.upper(), autoescape=True),
            )
        )
    return statement


def list_people_for(account: Account, filters: PeopleFilter, page: int = 1, per_page: int = 50):
    statement = people_statement(account, filters).options(selectinload(Person.unit)).order_by(Person.name, Person.id)
    return db.paginate(statement, page=page, per_page=per_page, max_per_page=200, error_out=False)


def get_person_or_404(account: Account, person_id: int) -> Person:
    return get_in_scope_or_404(Person, person_id, account)


def get_unit_or_404(account: Account, unit_id: int) -> Unit:
    return get_in_scope_or_404(Unit, unit_id, account)


def get_site_or_404(account: Account, site_id: int) -> Site:
    return get_in_scope_or_404(Site, site_id, account)


def list_units_for(account: Account) -> list[Unit]:
    """All units in scope, in tree order (parents before children)."""
    return list(db.session.scalars(scoped(Unit, account).order_by(Unit.path)))


def get_unit_by_code_in_scope(account: Account, code: str) -> Unit | None:
    return db.session.scalar(scoped(Unit, account).where(Unit.code == code))


def list_sites_for(account: Account) -> list[Site]:
    return list(db.session.scalars(
        scoped(Site, account).options(selectinload(Site.unit)).order_by(Site.code)
    ))


def count_people_by_unit(account: Account) -> dict[int, int]:
    rows = db.session.execute(
        select(Person.unit_id, func.count()).where(scope_filter(Person, account)).group_by(Person.unit_id)
    )
    return dict(rows.all())


def count_people_in(account: Account, unit: Unit) -> int:
    return db.session.scalar(
        people_statement(account, PeopleFilter(unit_id=unit.id)).with_only_columns(func.count())
    )


def unit_tree_for(account: Account) -> list[dict]:
    """Nested dicts {unit, children, people} for the scoped tree, with subtree head counts."""
    units = list_units_for(account)
    direct = count_people_by_unit(account)
    nodes = {unit.id: {"unit": unit, "children": [], "people": direct.get(unit.id, 0)} for unit in units}
    roots = []
    for unit in units:
        parent = nodes.get(unit.parent_id)
        (parent["children"] if parent else roots).append(nodes[unit.id])
    for unit in reversed(units):  # deepest paths last in path order, so totals roll upward
        parent = nodes.get(unit.parent_id)
        if parent:
            parent["people"] += nodes[unit.id]["people"]
    return roots


def list_accounts_for(account: Account, role: str | None = None, query: str = "", page: int = 1, per_page: int = 50):
    statement = scoped(Account, account).options(selectinload(Account.scope_unit))
    if account.is_admin:
        # Administrators have no scope unit of their own; show them too.
        statement = select(Account).options(selectinload(Account.scope_unit))
    if role:
        statement = statement.where(Account.role == role)
    text = query.strip()
    if text:
        statement = statement.where(or_(Account.username.contains(text, autoescape=True),
                                        Account.display_name.contains(text, autoescape=True)))
    return db.paginate(statement.order_by(Account.username), page=page, per_page=per_page, error_out=False)


def get_account_or_404(account: Account, account_id: int) -> Account:
    if account.is_admin:
        found = db.session.get(Account, account_id)
        if found is None:
            abort(404)
        return found
    return get_in_scope_or_404(Account, account_id, account)
