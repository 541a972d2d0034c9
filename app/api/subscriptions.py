"""Which organisation events the API listens to; imported once by create_app."""
from __future__ import annotations

from app.api import services
from app.org.signals import credentials_changed

# A new password or PIN (the person's own, or reset by an organiser) revokes every API token
# of the account: whoever held the old secret may also hold a token made with it.
credentials_changed.connect(services.on_credentials_changed)
