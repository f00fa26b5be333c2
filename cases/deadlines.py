"""When each statutory deadline falls due and when to remind, from the settings and the working-day calendar."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from childprotect.workdays.calendar import WorkCalendar, add_hours, add_working_days, end_of_day, working_days_deadline

from .models import Case, Deadline, DeadlineKind, DeadlineStatus

REMIND_TIME = dt.time(7, 0)  # working-day reminders arrive at the start of the office day


def _morning(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, REMIND_TIME), timezone.get_default_timezone())


def working_days(start: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    """(due, remind): the end of the `days`-th working day after `start`; the reminder on the morning of the working
    day before (or at once when the limit is a single day)."""
    calendar = WorkCalendar()  # one holiday lookup for both dates
    due = working_days_deadline(start, days, calendar=calendar)
    remind = _morning(add_working_days(start, days - 1, calendar=calendar)) if days > 1 else start
    return due, max(remind, start)


def compute(
    kind: str, start: dt.datetime, *, until: dt.date | None = None, days: int | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(due_at, remind_at) of a deadline of `kind` started at `start`; `days` replaces the setting of a working-day
    limit (the plan in an emergency, or after a review: NĐ 56 Đ28 k1, Đ30 k1 c)."""
    if kind == DeadlineKind.EMERGENCY:
        due = add_hours(start, settings.CHILDPROTECT_EMERGENCY_HOURS)  # NĐ 56 Đ26 k3: clock hours
        return due, due - dt.timedelta(hours=settings.CHILDPROTECT_REMIND_HOURS_BEFORE)
    if kind == DeadlineKind.PLAN:
        return working_days(start, days or settings.CHILDPROTECT_PLAN_WORKING_DAYS)
    if kind == DeadlineKind.APPROVAL:
        return working_days(start, days or settings.CHILDPROTECT_APPROVAL_WORKING_DAYS)
    if kind == DeadlineKind.REVIEW:
        due = start + dt.timedelta(days=settings.CHILDPROTECT_REVIEW_DAYS)
        return due, due - dt.timedelta(days=1)
    if kind == DeadlineKind.SEPARATION_END:
        last = until or (
            timezone.localtime(start).date() + dt.timedelta(days=settings.CHILDPROTECT_SEPARATION_MAX_DAYS)
        )
        due = end_of_day(last)
        return due, due - dt.timedelta(days=1)
    raise ValueError(f"unknown deadline kind {kind}")


# --- The case's next deadline (Case.next_due_at, next_due_kind) -----------------------------------------------------


def next_open(case: Case) -> tuple[dt.datetime | None, str]:
    """(due_at, kind) of the case's earliest open deadline, its own or a referral's; (None, "") when none is open."""
    first = (
        Deadline.objects.filter(case_id=case.pk, status=DeadlineStatus.OPEN)
        .order_by("due_at", "id")
        .values_list("due_at", "kind")
        .first()
    )
    return first if first is not None else (None, "")


def set_next_due(case: Case) -> None:
    """Copy the case's earliest open deadline onto `case`, unsaved: for a writer that holds the case locked and saves
    it afterwards (the workflow step, which changes deadlines and then saves the case)."""
    case.next_due_at, case.next_due_kind = next_open(case)


def refresh_next_due(case: Case) -> None:
    """Copy the case's earliest open deadline onto its row, in the caller's transaction, after any change to its
    deadlines. The case row is locked first: a workflow step running beside (which locks it too) either finishes
    before (and its deadlines are read here) or starts after (and reads ours)."""
    Case.all_objects.select_for_update().filter(pk=case.pk).values_list("pk").first()
    set_next_due(case)
    Case.all_objects.filter(pk=case.pk).update(next_due_at=case.next_due_at, next_due_kind=case.next_due_kind)


def refresh_next_due_of(cases: QuerySet[Case]) -> int:
    """The same for many cases in one UPDATE (bulk writers: seeddata); returns the number of cases written."""
    first_open = Deadline.objects.filter(case=OuterRef("pk"), status=DeadlineStatus.OPEN).order_by("due_at", "id")
    return cases.update(
        next_due_at=Subquery(first_open.values("due_at")[:1]),
        next_due_kind=Coalesce(Subquery(first_open.values("kind")[:1]), Value("")),
    )
