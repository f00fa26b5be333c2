"""Reads of agencies. The list of agencies is not secret: who may see an agency is the admin's and the importer's
matter; what a partner of an agency may see of a case is the referrals app's."""

from __future__ import annotations

from childprotect.text import fold

from .models import Agency


def agency_get_by_name(name: str) -> Agency:
    """An agency by its exact name (accents and case ignored); ValueError with a Vietnamese message otherwise."""
    matches = list(Agency.objects.filter(name_folded=fold(name)).select_related("unit")[:2])
    if not matches:
        raise ValueError(f"Không có cơ quan tên '{name}'.")
    if len(matches) > 1:
        raise ValueError(f"Có nhiều cơ quan tên '{name}'; hãy đặt tên phân biệt (ví dụ kèm địa bàn).")
    return matches[0]
