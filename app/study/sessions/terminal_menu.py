"""The seam through which a layer above adds items to a session's menu on the activity-room TV.

The survey domain (questionnaires) sits above study, so study never imports it: survey adds its
item when its blueprint is registered, and the menu lists whatever was added, after its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

EXTENSION_KEY = "sessions.terminal_menu"


@dataclass(frozen=True)
class MenuItem:
    label: object  # a lazy translation
    endpoint: str  # takes session_id
    open_only: bool = True  # shown only while the session is open


def add_session_item(app, item: MenuItem) -> None:
    items = app.extensions.setdefault(EXTENSION_KEY, [])
    if item not in items:
        items.append(item)


def session_items() -> list[MenuItem]:
    return list(current_app.extensions.get(EXTENSION_KEY, []))
