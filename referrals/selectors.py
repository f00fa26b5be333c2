"""Every read of agencies and referrals that reaches a user. Out of reach and missing are the same: 404.

Partners reach a referral only while their agency holds it (sent, accepted, in progress, or completed and inside the
access period) and they hold the django-guardian grant on its case; commune staff and supervisors reach the
referrals of the cases in their jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from cases.models import Case, CaseStep, Deadline, DeadlineStatus
from cases.responsible import departed, officer_departed
from cases.selectors import cases_visible_to
from childprotect.accounts.models import User
from childprotect.accounts.policy import COMMUNE_STAFF, acts_for_agency, can_refer
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_reach

from .models import OPEN, SHARED, Referral, ReferralEvent, ReferralStatus


def referred_cases_for(user: User) -> QuerySet[Case]:
    """The cases a partner holds a referral grant on (django-guardian object permission)."""
    if not user.is_authenticated or not user.is_active or not acts_for_agency(user):
        return Case.objects.none()
    return get_objects_for_user(
        user, "cases.view_referred_case", klass=Case, use_groups=False, with_superuser=False, accept_global_perms=False
    )


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none()
    if acts_for_agency(user):
        if not user.agency_id:
            return Referral.objects.none()
        return Referral.objects.filter(
            agency_id=user.agency_id,
            status__in=SHARED,
            access_revoked_at__isnull=True,
            case__in=referred_cases_for(user).values("pk"),
        )
    if user.is_administrator:
        return Referral.objects.all()
    return Referral.objects.filter(case__in=cases_visible_to(user).values("pk"))


def writer_departed() -> Q:
    """A referral whose writer can no longer act for the case's commune (deactivated, or no longer commune staff
    there): cases/responsible.py's rule, for the person who drafted it."""
    return departed("created_by", "case__unit_id", COMMUNE_STAFF)


def referrals_to_take_over(user: User) -> QuerySet[Referral]:
    """The open referrals in reach that nobody in the commune answers for. A referral has no officer of its own:
    the commune's side of it is the case's officer in charge (the agency's answers and the overdue reminders go to
    them and to the sender), so the referrals of a case whose officer left follow the case when it is handed to
    someone else. A draft waits on its writer ("Việc của tôi"): one whose writer left is listed too, and every
    officer of the commune finds it in their own work."""
    draft_left = Q(status=ReferralStatus.DRAFT) & writer_departed()
    return (
        referrals_visible_to(user)
        .filter(status__in=OPEN)
        .filter(officer_departed("case__") | draft_left)
        # The case's officer and the writer are read with the rows; the agency apart (one query, only when there are
        # rows): a join more makes the planner weigh many more join orders, for a list that is mostly empty.
        .select_related("case__officer", "created_by")
        .prefetch_related("agency")
        .order_by("created_at", "id")
    )


def referral_get_for(user: User, pk: int) -> Referral:
    referral = (
        referrals_visible_to(user)
        .select_related(
            "case__child", "case__report", "case__unit__parent", "case__officer", "agency__unit", "outcome", "sent_by"
        )
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


def partner_referral_for_case(user: User, case_pk: int) -> Referral:
    """The referral through which a partner reaches a case (the latest, if several); 404 if none."""
    referral = referrals_visible_to(user).filter(case_id=case_pk).order_by("-sent_at", "-id").first()
    if referral is None:
        raise Http404
    return referral


@dataclass(frozen=True)
class ReferralFilters:
    status: str = ""
    agency_type: str = ""
    overdue: bool = False
    unit: AdminUnit | None = None


def referrals_list(user: User, filters: ReferralFilters) -> QuerySet[Referral]:
    qs = referrals_visible_to(user).select_related("case__child", "case__unit", "agency", "outcome")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.agency_type:
        qs = qs.filter(agency__agency_type=filters.agency_type)
    if filters.unit is not None:
        # The unit's subtree and the old communes it took over (docs/law.md#the-2025-reform), as a literal list.
        qs = qs.filter(case__unit_id__in=list(unit_reach(filters.unit).values_list("pk", flat=True)))
    open_deadline = Deadline.objects.filter(referral=OuterRef("pk"), status=DeadlineStatus.OPEN)
    qs = qs.annotate(response_due=Subquery(open_deadline.values("due_at")[:1]))
    if filters.overdue:
        qs = qs.filter(Exists(open_deadline.filter(due_at__lte=timezone.now())))
    return qs.order_by("-created_at", "-id")


def referral_events(referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("actor")


def referral_open_deadline(referral: Referral) -> Deadline | None:
    return Deadline.objects.filter(referral=referral, status=DeadlineStatus.OPEN).first()


def case_referrals(case: Case) -> QuerySet[Referral]:
    """The referrals of a case the user already reaches (the case page's card)."""
    return case.referrals.select_related("agency", "outcome").order_by("created_at", "id")


def case_page_part(user: User, case: Case) -> dict[str, Any]:
    """What referrals add to the case page (cases/extensions.py): the card, the button, the events on the timeline."""
    return {"timeline": case_timeline_items(case), "referrals": case_referrals(case), "can_refer": can_refer(user)}


def partner_case_url(user: User, case_pk: int) -> str:
    """The page of the referral through which a partner sees a case; 404 when none does."""
    return reverse("referrals:referral_detail", args=[partner_referral_for_case(user, case_pk).pk])


def case_timeline_items(case: Case) -> list[CaseStep | ReferralEvent]:
    """The case's workflow steps and its referrals' events, in time order (the case page's timeline)."""
    steps = list(case.steps.select_related("actor"))
    events = list(ReferralEvent.objects.filter(referral__case=case).select_related("actor", "referral__agency"))
    return sorted([*steps, *events], key=lambda item: (item.at, isinstance(item, ReferralEvent), item.pk))
