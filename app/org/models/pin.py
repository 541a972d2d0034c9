from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.core.model_base import utcnow
from app.extensions import db


class PinFailure(db.Model):
    """One wrong PIN typed for an account, wherever it came through (a TV session, an ad-hoc
    session, a terminal quiz). Counted per account to lock PIN sign-in after too many
    (app.org.services.verify_pin); removed when the right PIN is typed."""

    __tablename__ = "pin_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_pin_failure_account_failed_at", "account_id", "failed_at"),)
