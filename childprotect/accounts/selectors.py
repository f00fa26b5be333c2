"""Jurisdiction: which administrative units a person's reads reach. Later selectors build on these."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_subtree

from .models import COMMUNE_ROLES, Role, User


def jurisdiction_units(user: Any) -> QuerySet[AdminUnit]:
    """The units whose records `user` may see by place: their unit's subtree; all for administrators.

    Partners get none: they see by referral, not by place (docs/law.md#people-and-places). Inactive or anonymous
    users get none.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AdminUnit.objects.none()
    if user.is_administrator:
        return AdminUnit.objects.all()
    if user.role == Role.PARTNER or user.unit_id is None:
        return AdminUnit.objects.none()
    return unit_subtree(user.unit)


def user_reaches_unit(user: User, unit: AdminUnit) -> bool:
    """Does `unit` lie in `user`'s jurisdiction? (No query when the user's unit is loaded.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_administrator:
        return True
    if user.role == Role.PARTNER or user.unit is None:
        return False
    return user.unit.contains(unit)


def account_manageable_by(actor: Any, account: Any) -> bool:
    """May `actor` create `account`, or change it, by any path (import, admin, account_ensure)? The one rule.

    Ask it of the account as it is and again as it would become. `actor` None is a command the operator runs on the
    server (createaccount, loaddemo): the administrator's own tools, with full rights. Administrators manage every
    account. A supervisor manages what they could provision by hand: the commune officers and chairs of the communes
    in their area, and the partners of agencies serving it; never an administrator or an account with admin access
    (above), another supervisor or themselves (beside), nor anything outside the area. Nobody else manages accounts.
    """
    if actor is None:
        return True
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_administrator:
        return True
    if actor.role != Role.SUPERVISOR:
        return False
    if account.is_administrator or account.is_staff or account.role not in (*COMMUNE_ROLES, Role.PARTNER):
        return False
    place = account.agency.unit if account.role == Role.PARTNER and account.agency_id else account.unit
    return place is not None and user_reaches_unit(actor, place)


def agency_partners(agency_id: int) -> QuerySet[User]:
    """The active partner accounts of an agency: who is told of its referrals."""
    return User.objects.filter(role=Role.PARTNER, agency_id=agency_id, is_active=True)
