from sqlalchemy import select

from app.core.scope import get_in_scope_or_404, scoped, subtree_condition
from app.extensions import db
from app.org.models import Person, Site, Unit
import pytest
from werkzeug.exceptions import NotFound


def test_subtree_condition_matches_descendants_only(world):
    township = world.township_a
    ids = set(db.session.scalars(select(Unit.id).where(subtree_condition(Unit.path, township.path))))
    assert ids == {world.township_a.id, world.branch_a1.id, world.branch_a2.id}


def test_subtree_condition_does_not_match_sibling_with_longer_id(app):
    """/1/4/ must not match /1/40/: the range stops at the byte after '/'."""
    from app.org.choices import UnitLevel
    from tests.factories import create_unit

    county = create_unit("县", UnitLevel.COUNTY)
    townships = [create_unit(f"镇{i}", UnitLevel.TOWNSHIP, county) for i in range(25)]
    first = next(t for t in townships
                 if any(o.path.startswith(t.path[:-1]) and o is not t for o in townships))
    similar = [t for t in townships if t.path.startswith(first.path[:-1]) and t is not first]
    assert similar, "test setup should produce ids sharing a prefix (e.g. 2 and 21)"
    ids = set(db.session.scalars(select(Unit.id).where(subtree_condition(Unit.path, first.path))))
    assert ids == {first.id}


def test_organiser_sees_only_own_subtree(world):
    organiser = world.accounts["organiser_a"]
    people = set(db.session.scalars(scoped(Person, organiser)))
    assert world.person_a1 in people and world.person_b1 not in people
    sites = set(db.session.scalars(scoped(Site, organiser)))
    assert sites == {world.site_a1}


def test_admin_sees_everything(world):
    admin = world.accounts["admin"]
    assert set(db.session.scalars(scoped(Person, admin))) == {world.person_a1, world.person_b1}


def test_get_in_scope_or_404(world):
    organiser = world.accounts["organiser_a"]
    assert get_in_scope_or_404(Person, world.person_a1.id, organiser) is world.person_a1
    with pytest.raises(NotFound):
        get_in_scope_or_404(Person, world.person_b1.id, organiser)


def test_account_without_scope_unit_sees_nothing_unless_admin(world):
    from app.org.choices import Role
    from app.org.models import Account

    stray = Account(username="stray", role=Role.ORGANISER.value, scope_unit=None)
    db.session.add(stray)
    db.session.flush()
    assert list(db.session.scalars(scoped(Person, stray))) == []
