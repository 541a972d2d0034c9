"""Secret key on first run, security headers on every response, the lockout rule for secrets,
and where a `next` parameter may send the browser."""
from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, url_for


def safe_next_url(target: str | None) -> str:
    """Only same-site relative paths, else the home page: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def load_or_create_secret_key(instance_path: str) -> str:
    """The session-signing key: instance/secret_key, created the first time."""
    return load_or_create_instance_key(instance_path, "secret_key")


def load_or_create_instance_key(instance_path: str, name: str) -> str:
    """Read a random key from the instance folder, creating it (mode 0600) the first time.

    The key is written to a temporary file and linked into place, so a second process starting
    at the same moment reads either nothing (and links its own, which fails) or the whole key,
    never a half-written file.
    """
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
        try:
            with os.fdopen(fd, "w") as handle:
                os.chmod(temporary, 0o600)
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process won the race: use its key
        finally:
            os.unlink(temporary)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; remove it to generate a new key")
    return key


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


@dataclass(frozen=True)
class GrowingLockout:
    """Consecutive wrong secrets lock an account for longer and longer.

    The first `free` failures since the last success cost nothing; each one after that locks
    for `first`, doubled per further failure, at most `cap`, counted from the last failure.
    Doubling makes a burst of parallel guesses lock the account for longer, so racing the
    check gains an attacker little. One rule for passwords and PINs (app.org.services).
    """

    free: int
    first: timedelta
    cap: timedelta

    def locked_until(self, failures: int, last_failure: datetime | None) -> datetime | None:
        if failures < self.free or last_failure is None:
            return None
        doublings = min(failures - self.free, 32)  # 2**32 minutes is past any cap
        return last_failure + min(self.first * 2 ** doublings, self.cap)

    def tries_left(self, failures: int) -> int:
        return max(0, self.free - failures)
