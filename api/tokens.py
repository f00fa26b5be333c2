"""API tokens: how one is made and how it is recognised. Only the SHA-256 digest of a token is stored; the token
itself is shown once, when it is issued (api/services.py)."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "cpk_"  # marks a childprotect token (secret scanners can look for it)
PREFIX_SHOWN = 12  # characters of the token kept in clear to tell tokens apart in lists


def digest(token: str) -> str:
    """The stored form of a token. A token has 256 random bits, so a plain SHA-256 cannot be reversed or guessed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str, str]:
    """(token, prefix shown in lists, digest stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    return token, token[:PREFIX_SHOWN], digest(token)
