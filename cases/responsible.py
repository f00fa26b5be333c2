"""Who is reminded about a case: its officer while they can still act on it; otherwise the people who answer for
the commune, so that a reminder never goes only to an account that cannot act on it.

The officer can act while their account is active and they are still an officer of the case's commune. When they
cannot (deactivated, moved to another unit or role), the commune's active chairs stand in until someone else takes
the case; with no active chair, the active supervisors of the units above the commune.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import COMMUNE_STAFF
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import old_unit_ids, successors_of

from .models import Case, CaseState

__all__ = [
    "CommuneHeads",
    "absent_reason",
    "active_officers_by_load",
    "case_reminded",
    "commune_staff",
    "departed",
    "least_loaded_officer",
    "officer_departed",
    "receiver_departed",
]


def absent_reason(user: User | None, unit_id: int, roles: Iterable[str] = (Role.COMMUNE_OFFICER,)) -> str:
    """Why `user` cannot act for the commune `unit_id` ("" when they can): no account, a deactivated one, or one
    moved to another unit or role. Reads only the loaded row."""
    if user is None:
        return _("Chưa có cán bộ phụ trách")
    if not user.is_active:
        return _("Cán bộ phụ trách không còn hoạt động: %(name)s") % {"name": user}
    if user.unit_id != unit_id or user.role not in set(roles):
        return _("Cán bộ phụ trách đã chuyển công tác: %(name)s") % {"name": user}
    return ""


def officer_departed(case: str = "") -> Q:
    """`absent_reason` as a filter on cases (the lists of cases to give to someone else): the case's officer is
    deactivated, or no longer an officer of the case's commune. `case` is the path to the case from the rows
    filtered ("case__" for a case's referrals)."""
    return departed(f"{case}officer", f"{case}unit_id")


def departed(person: str, unit: str, roles: Iterable[str] = (Role.COMMUNE_OFFICER,)) -> Q:
    """`absent_reason` as a filter on any rows: the account at the path `person` is deactivated, or no longer of
    one of `roles` in the commune at the path `unit` (a referral's writer: `departed("created_by",
    "case__unit_id", COMMUNE_STAFF)`)."""
    return (
        Q(**{f"{person}__is_active": False})
        | ~Q(**{f"{person}__role__in": list(roles)})
        | ~Q(**{f"{person}__unit_id": F(unit)})
    )


def receiver_departed() -> Q:
    """A report whose receiver, of the commune's staff (an officer, a chair), can no longer answer for it: their
    account deactivated, or now of another commune than the report's. A partner or a supervisor who logged it for
    the commune never answered for it: the commune's staff do, from their inbox."""
    left = Q(received_by__is_active=False) | ~Q(received_by__unit_id=F("incident_unit_id"))
    return Q(received_by__role__in=list(COMMUNE_STAFF)) & left


class CommuneHeads:
    """The active chairs of each commune and the active supervisors above it, for a batch of communes, in one
    query (the communes' parents must be loaded: `select_related("unit__parent__parent")`)."""

    def __init__(self, communes: Iterable[AdminUnit]) -> None:
        units = {u.pk: u for u in communes}
        # A commune of an older list answers through the current communes that took it over (the crosswalk, one
        # query, none when every commune is current): the one that took it whole, its chairs and supervisors; a
        # split one only through the supervisors above its candidates, until a supervisor re-homes the case.
        successors = successors_of(old_unit_ids(units.values()))
        self._successor = {pk: found.successor.pk for pk, found in successors.items() if found.successor is not None}
        answering = {pk: [s.pk for s in successors[pk].units] if pk in successors else [pk] for pk in units}
        chaired = {pk: answering[pk] if pk not in successors or pk in self._successor else [] for pk in units}
        every = units | {s.pk: s for found in successors.values() for s in found.units}
        above = {pk: {a.pk for unit in answering[pk] for a in every[unit].ancestors()} for pk in units}
        people = (
            list(
                User.objects.filter(
                    is_active=True, role=Role.COMMUNE_CHAIR, unit_id__in={c for ids in chaired.values() for c in ids}
                )
                | User.objects.filter(
                    is_active=True, role=Role.SUPERVISOR, unit_id__in={a for ids in above.values() for a in ids}
                )
            )
            if units
            else []
        )
        self._chairs = {
            pk: [u for u in people if u.role == Role.COMMUNE_CHAIR and u.unit_id in chaired[pk]] for pk in units
        }
        self._supervisors = {
            pk: [u for u in people if u.role == Role.SUPERVISOR and u.unit_id in above[pk]] for pk in units
        }

    def successor(self, unit_id: int) -> int:
        """The current commune answering for `unit_id`: itself, or the one that took it over whole."""
        return self._successor.get(unit_id, unit_id)

    def chairs(self, unit_id: int) -> list[User]:
        return self._chairs.get(unit_id, [])

    def supervisors(self, unit_id: int) -> list[User]:
        return self._supervisors.get(unit_id, [])

    def stand_ins(self, unit_id: int) -> list[User]:
        """Who answers for the commune when its officer cannot: its chairs, else the supervisors above it."""
        return self.chairs(unit_id) or self.supervisors(unit_id)


def case_reminded(case: Case, heads: CommuneHeads | None = None) -> tuple[list[User], str]:
    """The people to remind about `case` and, when they stand in for its officer, why ("" otherwise).

    `heads` is the batch's `CommuneHeads` (read here, one query, when not given and needed)."""
    reason = absent_reason(case.officer, case.unit_id)
    if not reason and case.officer is not None:
        return [case.officer], ""
    heads = heads or CommuneHeads([case.unit])
    if case.officer is not None and not absent_reason(case.officer, heads.successor(case.unit_id)):
        return [case.officer], ""  # filed under an old commune, its officer now of the one that took it over
    return heads.stand_ins(case.unit_id), reason


def commune_staff(unit_id: int) -> QuerySet[User]:
    """The commune's active officers and chairs: who is told of what arrives for it (a report, a forward, a transfer
    request)."""
    return User.objects.filter(role__in=list(COMMUNE_STAFF), unit_id=unit_id, is_active=True).order_by("id")


def active_officers_by_load(unit: AdminUnit) -> QuerySet[User]:
    """The active officers of the commune `unit`, the one with the fewest open cases there first (`open_cases`): who
    takes a case the commune receives, unless someone else is chosen."""
    open_cases = (
        Case.objects.filter(officer=OuterRef("pk"), unit=unit)
        .exclude(state=CaseState.CLOSED)
        .order_by()
        .values("officer")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        User.objects.filter(role=Role.COMMUNE_OFFICER, unit=unit, is_active=True)
        .annotate(open_cases=Coalesce(Subquery(open_cases, output_field=IntegerField()), Value(0)))
        .order_by("open_cases", "full_name", "id")
    )


def least_loaded_officer(unit: AdminUnit) -> User | None:
    return active_officers_by_load(unit).first()
