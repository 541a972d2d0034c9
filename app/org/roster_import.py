"""Roster import: check a roster against the database within the importer's scope, then upsert.

Rows are matched by ID number (the natural key). Everything is read in bulk
(branch codes in scope, persons by ID number, phone owners) and written with
executemany statements, so 10,000 rows take seconds, not minutes. No password
is hashed here: members get an activation code on a printed slip later.
Flush only; the request, job or command commits.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy import func

from app.core import staging
from app.core.scope import scope_filter, scoped, subtree_condition
from app.core.staging import StagedUpload
from app.extensions import db
from app.org import services
from app.org.choices import UnitLevel
from app.org.models import Account, Person, PersonCadreRole, Unit
from app.org.models.person import mask_id_number
from app.org.roster import Roster, RosterRow, RowError, read_roster_file, sniff_kind, too_large

CHUNK = 500  # keeps IN (...) lists well under every driver's parameter limit
PREVIEW_ROWS = 200
REPORT_ERRORS = 1000

# Person columns an import may set; optional ones only when the file has the column.
ALWAYS_SET = ("name", "unit_id", "category", "gender", "birth_year")
OPTIONAL_COLUMNS = {"phone": "phone", "education": "education",
                    "prosperity_leader": "is_prosperity_leader", "post": "post",
                    "joined_party_on": "joined_party_on", "transferred_in_on": "transferred_in_on"}


class Status:
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RowOutcome:
    row: RosterRow
    status: str
    person_id: int | None = None


@dataclass
class ImportReport:
    total_rows: int
    outcomes: list[RowOutcome]
    errors: list[RowError]
    committed: bool = False
    branch_names: dict[int, tuple[str, str]] = field(default_factory=dict)  # unit id -> (code, name)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def created(self) -> int:
        return self.count(Status.NEW)

    @property
    def updated(self) -> int:
        return self.count(Status.UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(Status.UNCHANGED)

    @property
    def skipped(self) -> int:
        """Rows left out because they have at least one error."""
        return len({error.row for error in self.errors})

    @property
    def valid(self) -> int:
        return len(self.outcomes)

    def units_touched(self) -> list[dict]:
        counts: dict[int, int] = defaultdict(int)
        for outcome in self.outcomes:
            if outcome.status != Status.UNCHANGED:
                counts[outcome.row.unit_id] += 1
        return [{"id": unit_id, "code": self.branch_names[unit_id][0], "name": self.branch_names[unit_id][1],
                 "rows": count} for unit_id, count in sorted(counts.items())]

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict]:
        return [{
            "row": outcome.row.row, "name": outcome.row.name,
            "id_number": mask_id_number(outcome.row.id_number),
            "branch": self.branch_names[outcome.row.unit_id][1], "category": outcome.row.category,
            "status": outcome.status,
        } for outcome in self.outcomes[:limit]]

    def as_dict(self, max_errors: int = REPORT_ERRORS) -> dict:
        """JSON-safe summary (job result, `--json`); messages in the current locale."""
        return {
            "committed": self.committed,
            "total_rows": self.total_rows,
            "valid": self.valid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors_total": len(self.errors),
            "errors": [error.as_dict() for error in self.errors[:max_errors]],
            "units": self.units_touched(),
        }


# --- scope --------------------------------------------------------------------

def _units_in_scope(account: Account | None, unit: Unit | None, columns: Sequence) -> Iterator:
    """Units the importer may write to: the account's scope (None: everything, as
    for the administrator's command line), narrowed to `unit`'s subtree."""
    statement = select(*columns)
    if account is not None:
        statement = scoped(Unit, account, statement)
    if unit is not None:
        statement = statement.where(subtree_condition(Unit.path, unit.path))
    return db.session.execute(statement)


def default_branch_for(account: Account | None, unit: Unit | None) -> Unit | None:
    """Rows with no branch code go here: the given unit, or the importer's own, if it is a branch."""
    target = unit if unit is not None else (account.scope_unit if account is not None else None)
    return target if target is not None and target.level == UnitLevel.BRANCH else None


# --- checking -----------------------------------------------------------------

def check_roster_file(path: str | Path, *, account: Account | None, unit: Unit | None = None) -> tuple[Roster, ImportReport, dict]:
    """Parse the file and check every row against the database. Raises RosterFileError."""
    in_scope_units = {row.id: row for row in _units_in_scope(account, unit, (Unit.id, Unit.code, Unit.name, Unit.level))}
    branches = {row.code: row.id for row in in_scope_units.values() if row.level == UnitLevel.BRANCH}
    default_branch = default_branch_for(account, unit)
    roster = read_roster_file(
        path, max_bytes=current_app.config["ROSTER_MAX_BYTES"], max_rows=current_app.config["ROSTER_MAX_ROWS"],
        branch_ids_by_code=branches, default_branch_code=default_branch.code if default_branch else None,
    )
    existing = _existing_people(row.id_number for row in roster.rows)
    errors = list(roster.errors)
    rows = []
    for row in roster.rows:
        person = existing.get(row.id_number)
        if person is not None and person["unit_id"] not in in_scope_units:
            # The ID number is globally unique; say it is taken without saying where.
            errors.append(RowError(row.row, _header(roster, "id_number"), "id_outside_scope"))
        else:
            rows.append(row)
    rows, phone_errors = _check_phones(roster, rows, existing)
    errors.extend(phone_errors)
    errors.sort(key=lambda error: error.row)
    roles = _existing_roles(person["id"] for person in existing.values())
    outcomes = [_classify(row, existing.get(row.id_number), roles, roster.columns) for row in rows]
    report = ImportReport(
        total_rows=roster.total_rows, outcomes=outcomes, errors=errors,
        branch_names={unit_id: (u.code, u.name) for unit_id, u in in_scope_units.items()},
    )
    return roster, report, existing


def _header(roster: Roster, key: str) -> str:
    return roster.headers[key]


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch: list = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_PERSON_COLUMNS = (Person.id, Person.id_number, Person.unit_id, Person.name, Person.gender, Person.birth_year,
                   Person.phone, Person.category, Person.education, Person.is_prosperity_leader, Person.post,
                   Person.joined_party_on, Person.transferred_in_on)


def _existing_people(id_numbers: Iterable[str]) -> dict[str, dict]:
    """Persons by ID number, in or out of scope: the number is unique across the county,
    so the check must see every unit (out-of-scope matches are refused, never shown)."""
    found: dict[str, dict] = {}
    for batch in _chunks(id_numbers):
        for row in db.session.execute(select(*_PERSON_COLUMNS).where(Person.id_number.in_(batch))):
            found[row.id_number] = row._asdict()
    return found


def _existing_roles(person_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    roles: dict[int, list[str]] = defaultdict(list)
    for batch in _chunks(person_ids):
        for person_id, role in db.session.execute(
            select(PersonCadreRole.person_id, PersonCadreRole.role).where(PersonCadreRole.person_id.in_(batch))
        ):
            roles[person_id].append(role)
    return {person_id: tuple(sorted(values)) for person_id, values in roles.items()}


def _check_phones(roster: Roster, rows: list[RosterRow], existing: dict[str, dict]) -> tuple[list[RosterRow], list[RowError]]:
    """A phone may be taken only from a person whose own row in this file gives up that phone."""
    if "phone" not in roster.columns:
        return rows, []
    owners: dict[str, int] = {}
    for batch in _chunks({row.phone for row in rows if row.phone}):
        for phone, person_id in db.session.execute(select(Person.phone, Person.id).where(Person.phone.in_(batch))):
            owners[phone] = person_id
    errors: list[RowError] = []
    while True:  # dropping a row can keep its phone in place and so refuse another row: repeat
        releasing = {existing[row.id_number]["id"] for row in rows
                     if row.id_number in existing and existing[row.id_number]["phone"] != row.phone}
        refused = []
        for row in rows:
            owner = owners.get(row.phone) if row.phone else None
            own_id = existing[row.id_number]["id"] if row.id_number in existing else None
            if owner is not None and owner != own_id and owner not in releasing:
                refused.append(row)
        if not refused:
            return rows, errors
        errors.extend(RowError(row.row, _header(roster, "phone"), "phone_taken") for row in refused)
        refused_rows = {row.row for row in refused}
        rows = [row for row in rows if row.row not in refused_rows]


def _new_values(row: RosterRow, columns: frozenset[str]) -> dict:
    values = {key: getattr(row, key) for key in ALWAYS_SET}
    for column, attribute in OPTIONAL_COLUMNS.items():
        if column in columns:
            values[attribute] = getattr(row, "is_prosperity_leader" if column == "prosperity_leader" else column)
    return values


def _classify(row: RosterRow, person: dict | None, roles: dict[int, tuple[str, ...]], columns) -> RowOutcome:
    if person is None:
        return RowOutcome(row, Status.NEW)
    values = _new_values(row, columns)
    changed = any(person[key] != value for key, value in values.items())
    if row.cadre_roles is not None and roles.get(person["id"], ()) != row.cadre_roles:
        changed = True
    return RowOutcome(row, Status.UPDATED if changed else Status.UNCHANGED, person["id"])


# --- writing ------------------------------------------------------------------

def import_roster(path: str | Path, *, account: Account | None, unit: Unit | None = None,
                  dry_run: bool = False) -> ImportReport:
    """Check the file and, unless `dry_run`, upsert the valid rows. Raises RosterFileError."""
    roster, report, existing = check_roster_file(path, account=account, unit=unit)
    if not dry_run:
        write_checked(roster, report, existing)
    return report


def write_checked(roster: Roster, report: ImportReport, existing: dict[str, dict]) -> None:
    """Upsert the rows `check_roster_file` found valid (the second step of `import_roster`)."""
    columns = roster.columns
    updates = [outcome for outcome in report.outcomes if outcome.status == Status.UPDATED]
    new = [outcome for outcome in report.outcomes if outcome.status == Status.NEW]

    if updates:
        if "phone" in columns:
            # Release changing phones first so that swaps between two people pass the unique index.
            releasing = [{"id": o.person_id, "phone": None} for o in updates
                         if existing[o.row.id_number]["phone"] not in (None, o.row.phone)]
            if releasing:
                db.session.execute(update(Person), releasing)
        db.session.execute(update(Person), [
            {"id": outcome.person_id, **_new_values(outcome.row, columns)} for outcome in updates
        ])
        if "cadre_roles" in columns:
            changed_ids = [o.person_id for o in updates]
            for batch in _chunks(changed_ids):
                db.session.execute(delete(PersonCadreRole).where(PersonCadreRole.person_id.in_(batch)))
            role_rows = [{"person_id": o.person_id, "role": role} for o in updates for role in o.row.cadre_roles]
            if role_rows:
                db.session.execute(insert(PersonCadreRole), role_rows)
        _move_member_accounts(updates, existing)

    if new:
        defaults = {"phone": None, "education": None, "is_prosperity_leader": False, "post": None,
                    "joined_party_on": None, "transferred_in_on": None}
        inserted = db.session.execute(
            insert(Person).returning(Person.id, Person.id_number),
            [{**defaults, "id_number": o.row.id_number, **_new_values(o.row, columns)} for o in new],
        )
        ids = {id_number: person_id for person_id, id_number in inserted}
        for outcome in new:
            outcome.person_id = ids[outcome.row.id_number]
        role_rows = [{"person_id": o.person_id, "role": role} for o in new for role in (o.row.cadre_roles or ())]
        if role_rows:
            db.session.execute(insert(PersonCadreRole), role_rows)
    # Objects already loaded in this session must not show pre-import values.
    db.session.expire_all()
    report.committed = True


def _move_member_accounts(updates: list[RowOutcome], existing: dict[str, dict]) -> None:
    """A member's login follows the person to the new branch (its scope is the branch)."""
    moved: dict[int, list[int]] = defaultdict(list)
    for outcome in updates:
        if existing[outcome.row.id_number]["unit_id"] != outcome.row.unit_id:
            moved[outcome.row.unit_id].append(outcome.person_id)
    for unit_id, person_ids in moved.items():
        for batch in _chunks(person_ids):
            db.session.execute(
                update(Account).where(Account.person_id.in_(batch), Account.role == "member")
                .values(scope_unit_id=unit_id)
            )


# --- activation slips -------------------------------------------------------------

@dataclass
class Slip:
    name: str
    branch: str
    login: str
    code: str


def issue_activation_slips(unit: Unit, account: Account | None = None) -> list[Slip]:
    """Fresh one-time codes for everyone in `unit`'s subtree who has not activated an account.

    Earlier codes of these people stop working. `account` (the organiser) must see
    the unit; None is the administrator's command line.
    """
    statement = (
        select(Person, Unit.name)
        .join(Unit, Person.unit_id == Unit.id)
        .where(Person.unit_id.in_(select(Unit.id).where(subtree_condition(Unit.path, unit.path))))
        .order_by(Unit.path, Person.name, Person.id)
    )
    if account is not None:
        statement = statement.where(scope_filter(Person, account))
    people = db.session.execute(statement).all()
    accounts = {}
    for batch in _chunks([person.id for person, _branch in people]):
        for existing in db.session.scalars(select(Account).where(Account.person_id.in_(batch))):
            accounts[existing.person_id] = existing
    slips = []
    for person, branch_name in people:
        member = accounts.get(person.id) or services.member_account_for(person)
        if member.is_activated or not member.is_enabled:
            continue
        code = services.issue_activation_code(member)
        slips.append(Slip(name=person.name, branch=branch_name, login=person.phone or member.username, code=code))
    db.session.flush()
    return slips


# --- uploads waiting for confirmation (app.core.staging) ---------------------------

STAGED_KIND = "roster"


def store_upload(stream, owner: Account) -> StagedUpload:
    """Stage an uploaded roster until its preview is confirmed and the import job has run.

    Raises RosterFileError when it is too large or not a spreadsheet at all (nothing is kept).
    """
    limit = current_app.config["ROSTER_MAX_BYTES"]
    try:
        return staging.stage(STAGED_KIND, stream, owner_id=owner.id, max_bytes=limit, inspect=_sniff)
    except staging.StagedTooLarge:
        raise too_large(limit) from None


def _sniff(path: Path) -> dict:
    with path.open("rb") as handle:
        return {"format": sniff_kind(handle.read(8192))}


def find_upload(upload_id: str, owner_id: int) -> StagedUpload | None:
    """The staged roster when `upload_id` is well-formed and belongs to `owner_id`, else None."""
    return staging.find(STAGED_KIND, upload_id, owner_id=owner_id)


def check_upload(staged: StagedUpload, *, account: Account) -> tuple[Roster, ImportReport, dict]:
    with staging.local_file(staged) as path:
        return check_roster_file(path, account=account)


def discard_upload(upload_id: str) -> None:
    staging.discard(STAGED_KIND, upload_id)


def count_awaiting_activation(unit: Unit, account: Account | None = None) -> int:
    """People in `unit`'s subtree without an activated login (they would get a slip)."""
    activated = select(Account.person_id).where(Account.person_id.is_not(None), Account.password_hash.is_not(None))
    statement = (
        select(func.count(Person.id))
        .where(Person.unit_id.in_(select(Unit.id).where(subtree_condition(Unit.path, unit.path))))
        .where(Person.id.not_in(activated))
    )
    if account is not None:
        statement = statement.where(scope_filter(Person, account))
    return db.session.scalar(statement) or 0
