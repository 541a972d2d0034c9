from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import TimestampMixin
from app.core.scope import UnitScoped
from app.extensions import db
from app.org.choices import Role
from app.org.models.person import Person
from app.org.models.unit import Site, Unit


class Account(UnitScoped, UserMixin, TimestampMixin, db.Model):
    """A login. Its scope unit bounds everything it may see or change.

    Members get an account when an organiser prints activation slips; they set
    their own password (and optionally a short PIN for roll call) on first login.
    """

    __tablename__ = "account"
    __scope_column__ = "scope_unit_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    activation_code_hash: Mapped[str | None] = mapped_column(String(128))
    activation_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), unique=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # Part of every session id (get_id): bumping it ends every session and remember-me cookie.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Wrong passwords since the last right one, whatever the source address (the lockout:
    # app.org.services.PASSWORD_LOCKOUT); kept in the database so every process counts together.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    scope_unit: Mapped[Unit | None] = relationship()
    person: Mapped[Person | None] = relationship()
    site: Mapped[Site | None] = relationship()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    @property
    def is_activated(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        # Bumping session_version (logout, password or PIN change, disable) ends every old
        # session; the login moment is appended by app.org.auth_views.start_session.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<Account {self.username} {self.role}>"
