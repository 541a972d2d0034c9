from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import TimestampMixin
from app.core.scope import UnitScoped, UnitTree
from app.extensions import db
from app.org.choices import UnitLevel


class Unit(UnitTree, TimestampMixin, db.Model):
    """A node of the county > township > village-branch tree.

    `path` is a materialised path of ids ("/1/4/17/") so that a whole subtree is
    one indexed prefix match, whatever its depth or size.
    """

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Byte-wise collation on PostgreSQL so that a subtree is a plain index range
    # (see app.core.scope.subtree_condition); SQLite compares bytes already.
    path: Mapped[str] = mapped_column(
        String(255).with_variant(String(255, collation="C"), "postgresql"),
        default="",
        index=True,
    )
    depth: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(
        back_populates="parent", order_by="Unit.code"
    )
    sites: Mapped[list[Site]] = relationship(back_populates="unit", order_by="Site.name")

    @property
    def level_enum(self) -> UnitLevel:
        return UnitLevel(self.level)

    def is_within(self, other: Unit) -> bool:
        """True when this unit lies in `other`'s subtree (itself included)."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class Site(UnitScoped, TimestampMixin, db.Model):
    """An activity room (党员活动室) with a shared terminal, belonging to a branch."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)

    unit: Mapped[Unit] = relationship(back_populates="sites")

    def __repr__(self) -> str:
        return f"<Site {self.code} {self.name}>"
