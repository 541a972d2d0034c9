"""Uploaded media, their renditions, and resumable upload sessions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.model_base import TimestampMixin, utcnow
from app.core.scope import UnitScoped
from app.extensions import db


class MediaStatus:
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Media(UnitScoped, TimestampMixin, db.Model):
    """One uploaded source (video, audio, PDF or image) and what was made from it.

    `original_name` is for display only: files are stored under keys built from ids.
    """

    __tablename__ = "media"
    __scope_column__ = "owner_unit_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # video | audio | document | image
    status: Mapped[str] = mapped_column(String(16), default=MediaStatus.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    original_name: Mapped[str] = mapped_column(String(255), default="")
    mime: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    source_key: Mapped[str | None] = mapped_column(String(255))
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column()  # as displayed (rotation and aspect applied)
    height: Mapped[int | None] = mapped_column()
    poster_key: Mapped[str | None] = mapped_column(String(255))
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id", ondelete="SET NULL"))

    renditions: Mapped[list[Rendition]] = relationship(
        back_populates="media", cascade="all, delete-orphan", order_by="Rendition.height")


class Rendition(db.Model):
    __tablename__ = "rendition"

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(16))  # 240p | 360p | 720p | audio
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    bitrate: Mapped[int | None] = mapped_column()
    key: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    mime: Mapped[str] = mapped_column(String(100), default="video/mp4")

    media: Mapped[Media] = relationship(back_populates="renditions")


class UploadSession(TimestampMixin, db.Model):
    """A resumable upload: chunks are appended until `received` reaches `size`."""

    __tablename__ = "upload_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex, never a file name
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
