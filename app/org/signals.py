"""Organisation events other areas subscribe to.

credentials_changed: account_id, at — sent when an account's password or PIN is set, changed or
reset (app.org.services). The API revokes the account's tokens (app.api.subscriptions).
Receivers run inside the sender's transaction and only flush.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

credentials_changed = _signals.signal("credentials-changed")
