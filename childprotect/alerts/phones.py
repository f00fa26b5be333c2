"""Vietnamese mobile numbers: what a person types (0912 345 678, +84 912.345.678, 84912345678) in the one form SMS
and Zalo use, E.164 (+84912345678); and addresses masked for the administrators' page."""

from __future__ import annotations

import re

# A mobile number after the country code: nine digits, the first of the mobile ranges (03x, 05x, 07x, 08x, 09x).
_MOBILE = re.compile(r"(?:\+84|0084|84|0)([35789]\d{8})")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_vn_mobile(text: str) -> str | None:
    """The number in E.164 (+84…), or None when it is not a Vietnamese mobile number."""
    compact = _SEPARATORS.sub("", text or "")
    found = _MOBILE.fullmatch(compact)
    return f"+84{found.group(1)}" if found else None


def mask_address(address: str) -> str:
    """An address with most of it hidden: c***@example.vn, +8491****678. Enough to tell two apart, not to write to."""
    if "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) > 8:
        return address[:5] + "*" * (len(address) - 8) + address[-3:]
    return "*" * max(0, len(address) - 2) + address[-2:]
