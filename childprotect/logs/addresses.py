from __future__ import annotations

from email.utils import getaddresses


def admins_from(value: str) -> list[tuple[str, str]]:
    """ADMINS from "Name <a@example.vn>, b@example.vn": (name, address) pairs, the address standing for a missing
    name."""
    return [(name or address, address) for name, address in getaddresses([value]) if address]
