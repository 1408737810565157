"""API keys: random tokens shown once, stored as SHA-256 hashes, compared by hash lookup."""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_BYTES = 24


def new_api_key(prefix: str) -> str:
    """A fresh key such as `plat_3q…`; its prefix says what kind of caller holds it."""
    return f"{prefix}_{secrets.token_urlsafe(KEY_BYTES)}"


def hash_key(key: str) -> str:
    """The stored form of a key. Keys carry 192 random bits, so a plain hash is not guessable."""
    return hashlib.sha256(key.encode()).hexdigest()


def same_key(given: str, expected: str) -> bool:
    """Constant-time comparison of two keys."""
    return hmac.compare_digest(given.encode(), expected.encode())


def key_hint(key: str) -> str:
    """What may be logged or shown about a key: its prefix and last four characters."""
    return f"{key.split('_', 1)[0]}_…{key[-4:]}"
