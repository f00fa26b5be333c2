"""Filters of the administrators' page: an address masked, a wait in words."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from ..phones import mask_address

register = template.Library()


@register.filter
def masked(address: str) -> str:
    return mask_address(address or "")


@register.filter
def waited(delta: dt.timedelta | None) -> str:
    """A wait in days, hours and minutes (under a minute: "dưới 1 phút")."""
    if delta is None:
        return ""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)d phút") % {"n": minutes} if minutes else _("dưới 1 phút"))
    return " ".join(parts)
