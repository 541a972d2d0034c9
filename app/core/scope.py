"""Scope: which units an account may see. The one place it is applied.

Every query for people, sites, accounts and (later) records goes through
`scoped()` or `get_in_scope_or_404()`. An object outside the caller's subtree is
simply not found (404), never "forbidden": its existence is not revealed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, and_, false, select, true

from app.extensions import db

if TYPE_CHECKING:
    from app.org.models import Account

T = TypeVar("T")


class UnitScoped:
    """Mixin for models that belong to one unit through a column (default `unit_id`).

    Models reached through another model override `scope_condition`.
    """

    __scope_column__ = "unit_id"

    @classmethod
    def scope_condition(cls, unit_ids: Select) -> ColumnElement[bool]:
        return getattr(cls, cls.__scope_column__).in_(unit_ids)


def subtree_condition(path_column, path: str) -> ColumnElement[bool]:
    """`path_column` lies in the subtree rooted at `path` ("/1/4/").

    Written as a range rather than LIKE so a plain B-tree index answers it: every
    descendant path starts with `path`, and "0" is the byte after "/".
    """
    return and_(path_column >= path, path_column < path[:-1] + "0")


def scope_path(account: Account) -> str | None:
    """The materialised path the account is bound to; None means everything (admin)."""
    if account.scope_unit is not None:
        return account.scope_unit.path
    return None if account.is_admin else ""


class UnitTree:
    """Mixin of the one model that forms the unit tree (org's Unit, with its materialised `path`).

    Scope filters select unit ids from it; the model names itself here so core needs no import
    of the domain above it.
    """

    tree_model: type | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        UnitTree.tree_model = cls


def _unit_model():
    return UnitTree.tree_model


def unit_ids_in_scope(account: Account) -> Select:
    Unit = _unit_model()
    path = scope_path(account)
    if path is None:
        return select(Unit.id)
    if path == "":
        return select(Unit.id).where(false())
    return select(Unit.id).where(subtree_condition(Unit.path, path))


def scope_filter(model, account: Account) -> ColumnElement[bool]:
    Unit = _unit_model()
    path = scope_path(account)
    if path is None:
        return true()
    if path == "":
        return false()
    if model is Unit:
        return subtree_condition(Unit.path, path)
    return model.scope_condition(unit_ids_in_scope(account))


def scoped(model: type[T], account: Account, statement: Select | None = None) -> Select:
    """`select(model)` (or the given statement) restricted to the account's scope."""
    statement = select(model) if statement is None else statement
    return statement.where(scope_filter(model, account))


def get_in_scope_or_404(model: type[T], object_id: int, account: Account) -> T:
    obj = db.session.scalar(
        scoped(model, account).where(model.id == object_id)  # type: ignore[attr-defined]
    )
    if obj is None:
        abort(404)
    return obj


def unit_in_scope(unit, account: Account) -> bool:
    path = scope_path(account)
    if path is None:
        return True
    return bool(path) and unit.path.startswith(path)
