"""Jobs of the organisation domain."""
from __future__ import annotations
