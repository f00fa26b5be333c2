"""Jurisdiction: which administrative units a person's reads reach. Later selectors build on these."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_subtree

from .models import Role, User
from .policy import Person, account_provisioned_by_supervisors, acts_for_agency, can_manage_accounts


def jurisdiction_units(user: User) -> QuerySet[AdminUnit]:
    """The units whose records `user` may see by place: their unit's subtree; all for administrators.

    Partners get none: they see by referral, not by place (docs/law.md#people-and-places). Inactive or anonymous
    users get none.
    """
    if not user.is_active:  # nor an anonymous user (never active)
        return AdminUnit.objects.none()
    if user.is_administrator:
        return AdminUnit.objects.all()
    if acts_for_agency(user) or user.unit is None:
        return AdminUnit.objects.none()
    return unit_subtree(user.unit)


def user_reaches_unit(user: User, unit: AdminUnit) -> bool:
    """Does `unit` lie in `user`'s jurisdiction? (No query when the user's unit is loaded.)"""
    if not user.is_active:  # nor an anonymous user (never active)
        return False
    if user.is_administrator:
        return True
    if acts_for_agency(user) or user.unit is None:
        return False
    return user.unit.contains(unit)


def account_manageable_by(actor: Person | None, account: User) -> bool:
    """May `actor` create `account`, or change it, by any path (import, admin, account_ensure)? The one rule.

    Ask it of the account as it is and again as it would become. `actor` None is a command the operator runs on the
    server (createaccount, loaddemo): the administrator's own tools, with full rights. Administrators manage every
    account. A supervisor manages what they could provision by hand: the commune officers and chairs of the communes
    in their area, and the partners of agencies serving it; never an administrator or an account with admin access
    (above), another supervisor or themselves (beside), nor anything outside the area. Nobody else manages accounts.
    """
    if actor is None:
        return True
    if isinstance(actor, AnonymousUser) or not can_manage_accounts(actor):
        return False
    if actor.is_administrator:
        return True
    if not account_provisioned_by_supervisors(account):
        return False
    place = account.agency.unit if acts_for_agency(account) and account.agency else account.unit
    return place is not None and user_reaches_unit(actor, place)


def agencies_partners(agency_ids: Iterable[int]) -> QuerySet[User]:
    """The active partner accounts of the agencies: who is told of their referrals."""
    return User.objects.filter(role=Role.PARTNER, agency_id__in=list(agency_ids), is_active=True)


def agency_partners(agency_id: int) -> QuerySet[User]:
    """The active partner accounts of one agency."""
    return agencies_partners([agency_id])
