"""A unit as lists show it: an old-list commune under the commune that took it over, the old name still shown
(docs/law.md#the-2025-reform)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from childprotect.places.models import AdminUnit
from childprotect.places.selectors import Successors

register = template.Library()


@register.filter
def as_current(unit: AdminUnit | None, successors: Mapping[int, Successors] | None) -> str:
    """{{ case.unit|as_current:successors }}: "Phường Hạc Thành (trước đây: Phường Điện Biên)" for an old commune
    taken over whole, "Phường Đông Cương (đã chia tách, cần quyết định)" for a split one, else the unit's name.
    `successors` is places.selectors.successors_of for the page's units (one query for the page)."""
    if unit is None:
        return ""
    found = (successors or {}).get(unit.pk)
    return found.label() if found is not None else unit.name
