"""When each statutory deadline falls due and when to remind, from the settings and the working-day calendar."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from childprotect.workdays.calendar import WorkCalendar, add_hours, add_working_days, end_of_day, working_days_deadline

from .models import DeadlineKind

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


def compute(kind: str, start: dt.datetime, *, until: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """(due_at, remind_at) of a deadline of `kind` started at `start`."""
    if kind == DeadlineKind.EMERGENCY:
        due = add_hours(start, settings.CHILDPROTECT_EMERGENCY_HOURS)  # NĐ 56 Đ26 k3: clock hours
        return due, due - dt.timedelta(hours=settings.CHILDPROTECT_REMIND_HOURS_BEFORE)
    if kind == DeadlineKind.PLAN:
        return working_days(start, settings.CHILDPROTECT_PLAN_WORKING_DAYS)
    if kind == DeadlineKind.APPROVAL:
        return working_days(start, settings.CHILDPROTECT_APPROVAL_WORKING_DAYS)
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
