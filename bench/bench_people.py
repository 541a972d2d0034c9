"""Scoped people list at county scale: 100,000 people, SQLite and PostgreSQL.

    .venv/bin/python bench/bench_people.py            # both databases
    LMS_BENCH_DB=sqlite .venv/bin/python bench/bench_people.py

Prints, per database and per viewer (county organiser, township organiser, branch
secretary), the time of one people-list page (count + 50 rows) and of a filtered
and a searched page, and the ratio of the county page to the branch page (the
subtree query must not grow with the size of the scope beyond the count).
Target: every figure in milliseconds (well under 100 ms).
"""
from __future__ import annotations

import os
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from bench.common import backends, bench_app, measure  # noqa: E402

PEOPLE = int(os.environ.get("LMS_BENCH_PEOPLE", "100000"))
TOWNSHIPS = 15
BRANCHES_PER_TOWNSHIP = 20
CATEGORIES = ["full_member"] * 6 + ["probationary", "candidate", "activist", "non_member"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰海军玉梅永福春花国庆丽娟文华淑珍"


def build_county():
    from app.extensions import db
    from app.org import services
    from app.org.choices import Role, UnitLevel
    from app.org.id_number import make_id_number
    from app.org.models import Person, PersonCadreRole

    county = services.create_unit(code="C", name="基准旗", level=UnitLevel.COUNTY)
    branches = []
    for t in range(TOWNSHIPS):
        township = services.create_unit(code=f"T{t:02d}", name=f"第{t}镇", level=UnitLevel.TOWNSHIP, parent=county)
        for b in range(BRANCHES_PER_TOWNSHIP):
            branches.append(services.create_unit(code=f"T{t:02d}B{b:02d}", name=f"第{t}镇{b}村党支部",
                                                 level=UnitLevel.BRANCH, parent=township))
    rng = random.Random(7)
    rows = []
    for index in range(PEOPLE):
        born = date(1940 + index % 60, 1 + index % 12, 1 + index % 28)
        rows.append({
            "unit_id": branches[index % len(branches)].id,
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            # A distinct region prefix per thousand keeps every number unique and valid.
            "id_number": make_id_number("15" + f"{index // 1000:04d}", born, index % 1000),
            "phone": f"13{index:09d}",
            "category": CATEGORIES[index % len(CATEGORIES)],
            "gender": "male" if index % 2 else "female",
            "birth_year": born.year,
            "is_prosperity_leader": index % 50 == 0,
        })
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Person), rows[start:start + 5000])
    ids = list(db.session.scalars(select(Person.id).order_by(Person.id).limit(PEOPLE // 20)))
    db.session.execute(insert(PersonCadreRole), [{"person_id": pid, "role": "village_cadre"} for pid in ids])
    db.session.commit()
    township = branches[0].parent
    viewers = {
        "county organiser": services.create_account(username="county", role=Role.ORGANISER, scope_unit=county),
        "township organiser": services.create_account(username="township", role=Role.ORGANISER, scope_unit=township),
        "branch secretary": services.create_account(username="branch", role=Role.ORGANISER, scope_unit=branches[0]),
    }
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # fresh planner statistics, as after any bulk load
    db.session.commit()
    return viewers


def run(kind: str) -> None:
    from app.extensions import db
    from app.org.queries import PeopleFilter, get_person_or_404, list_people_for

    with bench_app(kind):
        started = time.perf_counter()
        viewers = build_county()
        print(f"\n[{kind}] built {PEOPLE:,} people in {time.perf_counter() - started:.1f} s")
        print(f"{'viewer':<20} {'page 1':>10} {'page 20':>10} {'category':>10} {'search':>10} {'person':>10}   (median ms)")
        figures = {}
        for label, account in viewers.items():
            one_person = list_people_for(account, PeopleFilter(), page=1, per_page=1).items[0].id
            results = {
                "page 1": measure(lambda: list_people_for(account, PeopleFilter(), page=1).items),
                "page 20": measure(lambda: list_people_for(account, PeopleFilter(), page=20).items),
                "category": measure(lambda: list_people_for(account, PeopleFilter(category="activist"), page=1).items),
                "search": measure(lambda: list_people_for(account, PeopleFilter(query="建国"), page=1).items),
                "person": measure(lambda: get_person_or_404(account, one_person)),
            }
            figures[label] = results
            db.session.rollback()
            print(f"{label:<20} " + " ".join(f"{r['median_ms']:>10.2f}" for r in results.values()))
        ratio = figures["county organiser"]["page 1"]["median_ms"] / figures["branch secretary"]["page 1"]["median_ms"]
        print(f"county page / branch page ratio: {ratio:.1f}")


if __name__ == "__main__":
    for backend in backends():
        run(backend)
