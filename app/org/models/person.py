from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import TimestampMixin
from app.core.scope import UnitScoped
from app.extensions import db
from app.org.choices import CadreRole, Education, Gender, PersonCategory, Post
from app.org.models.unit import Unit


class Person(UnitScoped, TimestampMixin, db.Model):
    """Someone who studies: a member, a candidate or a villager.

    The national ID number is the natural key used by roster imports.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    education: Mapped[str | None] = mapped_column(String(20))
    is_prosperity_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    post: Mapped[str | None] = mapped_column(String(30))
    # From the roster (入党日期, 转入日期): a date in a year makes the person a mid-year joiner then.
    joined_party_on: Mapped[date | None] = mapped_column(Date)
    transferred_in_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()
    cadre_role_rows: Mapped[list[PersonCadreRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PersonCadreRole.role"
    )

    __table_args__ = (
        # Scoped lists filter by unit and page by name; the pair keeps both in one index.
        Index("ix_person_unit_id_name", "unit_id", "name"),
        Index("ix_person_name", "name"),
        Index("ix_person_category", "category"),
    )

    @property
    def cadre_roles(self) -> list[CadreRole]:
        return [CadreRole(row.role) for row in self.cadre_role_rows]

    @property
    def category_enum(self) -> PersonCategory:
        return PersonCategory(self.category)

    @property
    def gender_enum(self) -> Gender | None:
        return Gender(self.gender) if self.gender else None

    @property
    def education_enum(self) -> Education | None:
        return Education(self.education) if self.education else None

    @property
    def post_enum(self) -> Post | None:
        return Post(self.post) if self.post else None

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class PersonCadreRole(db.Model):
    """One cadre role a person holds (a person may hold several)."""

    __tablename__ = "person_cadre_role"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)


def mask_id_number(id_number: str) -> str:
    """Keep the region prefix and the last four characters: 150121********1234."""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]
