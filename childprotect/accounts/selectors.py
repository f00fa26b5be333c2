"""Jurisdiction: which administrative units a person's reads reach. Later selectors build on these."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_reach

from .models import Role, User
from .policy import Person, account_provisioned_by_supervisors, acts_for_agency, can_manage_accounts, is_system_account


def jurisdiction_units(user: User) -> QuerySet[AdminUnit]:
    """The units whose records `user` may see by place: their unit's subtree and the old units it took over in the
    2025 reform (places.selectors.unit_reach, docs/law.md#the-2025-reform); all for administrators.

    Partners get none: they see by referral, not by place (docs/law.md#people-and-places); nor do API clients, whose
    unit is the scope they send for, not a jurisdiction. Inactive or anonymous users get none.
    """
    if not user.is_active:  # nor an anonymous user (never active)
        return AdminUnit.objects.none()
    if user.is_administrator:
        return AdminUnit.objects.all()
    if acts_for_agency(user) or is_system_account(user) or user.unit is None:
        return AdminUnit.objects.none()
    return unit_reach(user.unit)


_REACH_MEMO = "_jurisdiction_unit_ids"


def jurisdiction_unit_ids(user: User) -> list[int] | None:
    """The ids of `jurisdiction_units(user)` as a list (None: every unit, for administrators), read once per user
    object: the request's user asks it of every selector of a page, and the crosswalk changes only with a data load.
    """
    if not user.is_active:
        return []
    if user.is_administrator:
        return None
    if acts_for_agency(user) or is_system_account(user) or user.unit is None:
        return []
    memo = user.__dict__.get(_REACH_MEMO)
    if memo is None or memo[0] != user.unit_id:
        memo = (user.unit_id, list(jurisdiction_units(user).values_list("pk", flat=True)))
        user.__dict__[_REACH_MEMO] = memo
    return list(memo[1])


def user_reaches_unit(user: User, unit: AdminUnit) -> bool:
    """Does `unit` lie in `user`'s jurisdiction? No query when the user's unit is loaded and `unit` is of its list or
    a later one; a unit of an older list is looked up among the units the user's took over (the crosswalk)."""
    if not user.is_active:  # nor an anonymous user (never active)
        return False
    if user.is_administrator:
        return True
    if acts_for_agency(user) or is_system_account(user) or user.unit is None:
        return False
    if user.unit.contains(unit):
        return True
    if unit.list_version >= user.unit.list_version:
        return False
    return unit.pk in (jurisdiction_unit_ids(user) or [])


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


def administrators_active() -> QuerySet[User]:
    """The active administrators: the admin role, or superusers. Who is told when the system itself needs a hand."""
    return User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True)


def agencies_partners(agency_ids: Iterable[int]) -> QuerySet[User]:
    """The active partner accounts of the agencies: who is told of their referrals."""
    return User.objects.filter(role=Role.PARTNER, agency_id__in=list(agency_ids), is_active=True)


def agency_partners(agency_id: int) -> QuerySet[User]:
    """The active partner accounts of one agency."""
    return agencies_partners([agency_id])
