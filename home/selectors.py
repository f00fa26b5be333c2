"""Reads of the home pages that span the apps: "Việc của tôi", what waits on the user.

Whose turn it is comes from the workflow tables (cases/workflow.py, referrals/workflow.py, reporting/workflow.py:
`waiting_on` and the next steps of each status), never from a list kept here; what the user reaches comes from the
apps' selectors (jurisdiction, referral grants). A fixed number of queries whatever the number of items.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import workflow as case_flow
from cases.models import CaseState, CaseStep, Deadline, DeadlineStatus
from cases.selectors import cases_visible_to
from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import (
    acts_for_agency,
    can_oversee_area,
    can_prepare_periodic_reports,
    can_take_charge_of_cases,
)
from referrals import workflow as referral_flow
from referrals.models import ReferralEvent, ReferralStatus
from referrals.selectors import referrals_visible_to, writer_departed
from reporting import workflow as report_flow
from reporting.models import ReportEvent, ReportStatus
from reporting.selectors import periodic_reports_visible_to
from reporting.services import role_towards, step_not_yet_open

MY_WORK_SHOWN = 50  # per kind of record; the card says how many there are in all


@dataclass(frozen=True)
class WorkAction:
    label: str
    url: str


@dataclass(frozen=True)
class WorkItem:
    kind: str  # case | referral | report
    title: str
    subject: str  # the child, or the unit of a periodic report
    detail: str  # the step or status it stands at
    url: str  # the record's page
    since: dt.datetime  # when it came to the user's turn (the last step taken on it)
    due: dt.datetime | None
    actions: list[WorkAction] = field(default_factory=list)


@dataclass
class MyWork:
    items: list[WorkItem]
    total: int


def _last_case_step() -> Subquery:
    return Subquery(CaseStep.objects.filter(case=OuterRef("pk")).order_by("-at", "-id").values("at")[:1])


def _case_items(user: User) -> tuple[list[WorkItem], int]:
    states = [s for s in CaseState.values if user.role in case_flow.waiting_on(s)]
    if not states:
        return [], 0
    qs = cases_visible_to(user).filter(state__in=states)
    if can_take_charge_of_cases(user):
        # The officer in charge (case.officer): a commune may have several. A case whose officer left, or that was
        # opened by someone else for want of an officer, is every officer's.
        qs = qs.filter(Q(officer=user) | Q(officer__is_active=False) | ~Q(officer__role=Role.COMMUNE_OFFICER))
    own_deadlines = Deadline.objects.filter(case=OuterRef("pk"), referral__isnull=True, status=DeadlineStatus.OPEN)
    rows = (
        qs.select_related("child")
        .annotate(since=_last_case_step(), next_due=Subquery(own_deadlines.order_by("due_at").values("due_at")[:1]))
        .order_by("since", "id")
    )
    items = [
        WorkItem(
            kind="case",
            title=_("Hồ sơ %(ref)s") % {"ref": case},
            subject=case.child.full_name,
            detail=str(CaseState(case.state).label),
            url=reverse("cases:case_detail", args=[case.pk]),
            since=case.since or case.opened_at,
            due=case.next_due,
            actions=[
                WorkAction(t.label, reverse("cases:case_act", args=[case.pk, t.action]))
                for t in case_flow.next_transitions(case.state, user.role)
            ],
        )
        for case in rows[:MY_WORK_SHOWN]
    ]
    return items, qs.count()


def _referral_items(user: User) -> tuple[list[WorkItem], int]:
    statuses = [s for s in ReferralStatus.values if user.role in referral_flow.waiting_on(s)]
    if not statuses:
        return [], 0
    qs = referrals_visible_to(user).filter(status__in=statuses)
    if not acts_for_agency(user):
        # A draft waits on the person who wrote it; one whose writer left the commune is every commune officer's
        # and chair's (the referral has no officer of its own: referrals/selectors.py `referrals_to_take_over`).
        qs = qs.filter(Q(created_by=user) | writer_departed())
    last_event = ReferralEvent.objects.filter(referral=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    open_deadline = Deadline.objects.filter(referral=OuterRef("pk"), status=DeadlineStatus.OPEN).values("due_at")[:1]
    rows = (
        qs.select_related("case__child", "agency")
        .annotate(since=Subquery(last_event), response_due=Subquery(open_deadline))
        .order_by("since", "id")
    )
    items = [
        WorkItem(
            kind="referral",
            title=_("Chuyển tuyến %(ref)s – %(agency)s") % {"ref": referral, "agency": referral.agency.name},
            subject=referral.case.child.full_name,
            detail=str(ReferralStatus(referral.status).label),
            url=reverse("referrals:referral_detail", args=[referral.pk]),
            since=referral.since or referral.created_at,
            due=referral.response_due,
            actions=[
                WorkAction(s.label, reverse("referrals:referral_act", args=[referral.pk, s.action]))
                for s in referral_flow.next_transitions(referral.status, user.role)
            ],
        )
        for referral in rows[:MY_WORK_SHOWN]
    ]
    return items, qs.count()


def _report_items(user: User) -> tuple[list[WorkItem], int]:
    unit = user.unit
    if unit is None or not can_prepare_periodic_reports(user):
        return [], 0
    own = [s for s in ReportStatus.values if report_flow.waiting_on(s) & {"preparer", "signer"}]
    below = [s for s in ReportStatus.values if "reviewer" in report_flow.waiting_on(s)]
    reach = Q(unit_id=unit.pk, status__in=own)
    if can_oversee_area(user):
        reach |= Q(unit__path__startswith=unit.path + "/", status__in=below)
    qs = periodic_reports_visible_to(user).filter(reach)
    last_event = ReportEvent.objects.filter(report=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    rows = qs.select_related("unit").annotate(since=Subquery(last_event)).order_by("since", "id")
    items = []
    for report in rows[:MY_WORK_SHOWN]:
        steps = [
            s
            for s in report_flow.next_transitions(report.status, role_towards(user, report.unit))
            if step_not_yet_open(report, s) is None  # sending opens once the period has ended
        ]
        if not steps:
            continue
        items.append(
            WorkItem(
                kind="report",
                title=_("Báo cáo %(period)s") % {"period": report.period.label},
                subject=report.unit.name,
                detail=str(ReportStatus(report.status).label),
                url=reverse("reporting:report_detail", args=[report.pk]),
                since=report.since or report.created_at,
                due=None if report.status == ReportStatus.SUBMITTED else _end_of(report.due_date),
                actions=[
                    WorkAction(s.label, reverse("reporting:report_act", args=[report.pk, s.action])) for s in steps
                ],
            )
        )
    return items, qs.count()


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), timezone.get_default_timezone())


def my_work(user: User) -> MyWork:
    """Every case, referral and periodic report whose next step is the user's, within their reach, oldest first.

    Each item carries the steps the user takes next (one click to each form) and its open deadline, if any.
    """
    if not user.is_authenticated or not user.is_active:
        return MyWork([], 0)
    items: list[WorkItem] = []
    total = 0
    for part in (_case_items, _referral_items, _report_items):
        found, count = part(user)
        items += found
        total += count
    items.sort(key=lambda item: item.since)
    return MyWork(items, total)


M = TypeVar("M", bound=Model)


def first_and_count(qs: QuerySet[M], n: int) -> tuple[list[M], int]:
    """The first `n` rows of `qs` and how many rows it has in all, in one query (each row carries the total, counted
    over the whole set before the limit): a home page's card lists a few and says how many there are. Not for a
    DISTINCT query, whose window would count the rows before they are made distinct."""
    if qs.query.distinct:
        raise ValueError("first_and_count counts rows before DISTINCT")
    rows = list(qs.annotate(listed_total=Window(Count("pk")))[:n])
    return rows, (rows[0].listed_total if rows else 0)
