"""The seam through which the course editor offers media to make lessons of.

Media sits above catalog (its pages and its serving rule ask the catalog which courses a file
belongs to), so catalog never imports it: app.media plugs its provider (app.media.queries) in
when its blueprint is registered. Without it the editor offers no media lessons.
"""
from __future__ import annotations

from typing import Protocol

from flask import current_app

EXTENSION_KEY = "catalog.attachable_media"


class AttachableMedia(Protocol):
    """Ready media files in the account's scope."""

    def list_attachable(self, account, kind: str) -> list: ...  # newest first, at most 200

    def get_attachable_or_404(self, account, media_id: int, kinds: list[str]): ...


def attachable_media() -> AttachableMedia | None:
    return current_app.extensions.get(EXTENSION_KEY)
