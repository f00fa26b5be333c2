"""Jurisdiction: which administrative units a person's reads reach. Later selectors build on these."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_subtree

from .models import Role


def jurisdiction_units(user: Any) -> QuerySet[AdminUnit]:
    """The units whose records `user` may see by place: their unit's subtree; all for administrators.

    Partners get none: they see by referral, not by place (domain.md §1). Inactive or anonymous users get none.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AdminUnit.objects.none()
    if user.is_administrator:
        return AdminUnit.objects.all()
    if user.role == Role.PARTNER or user.unit_id is None:
        return AdminUnit.objects.none()
    return unit_subtree(user.unit)


def user_reaches_unit(user: Any, unit: AdminUnit) -> bool:
    """Does `unit` lie in `user`'s jurisdiction? (No query when the user's unit is loaded.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_administrator:
        return True
    if user.role == Role.PARTNER or user.unit is None:
        return False
    return user.unit.contains(unit)
