"""An integration's secret: made once, shown once, kept only as a digest.

The digest is SHA-256: the secret is 32 random bytes, so no slow hash is needed to stop a
guess, and a lookup by digest compares nothing byte by byte in Python.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret() -> str:
    """A fresh URL-safe secret (43 characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the database keeps of `secret`."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
