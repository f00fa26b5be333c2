"""Working-day and clock-hour arithmetic for statutory deadlines.

Working days exclude Saturdays, Sundays and the holidays of the Holiday table, and include the Saturdays or Sundays
the table marks as swapped working days (làm bù). "N working days from an event" ends with the N-th working day after
the day of the event (the day itself is not counted), at CHILDPROTECT_WORKDAY_DEADLINE_TIME local time.
Clock-hour limits (the 12 hours of NĐ 56 Đ26 k3) run through nights, weekends and holidays alike.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from .models import DayKind, Holiday

# Holidays are looked up a span at a time: this is wider than any statutory limit plus a long Tết.
_SPAN_DAYS = 60


class WorkCalendar:
    """Holidays loaded once for a span of dates; extends itself when arithmetic runs past it."""

    def __init__(self) -> None:
        self._off: set[dt.date] = set()
        self._on: set[dt.date] = set()
        self._loaded: tuple[dt.date, dt.date] | None = None

    def _ensure(self, day: dt.date) -> None:
        if self._loaded and self._loaded[0] <= day <= self._loaded[1]:
            return
        start = min(day, self._loaded[0]) if self._loaded else day - dt.timedelta(days=_SPAN_DAYS)
        end = max(day, self._loaded[1]) if self._loaded else day
        start, end = start - dt.timedelta(days=1), end + dt.timedelta(days=_SPAN_DAYS)
        for date, kind in Holiday.objects.filter(date__range=(start, end)).values_list("date", "kind"):
            (self._on if kind == DayKind.WORKING else self._off).add(date)
        self._loaded = (start, end)

    def is_working_day(self, day: dt.date) -> bool:
        self._ensure(day)
        if day in self._on:
            return True
        return day.weekday() < 5 and day not in self._off

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The `days`-th working day after `start` (start itself not counted); `days` ≥ 1."""
        if days < 1:
            raise ValueError("days must be at least 1")
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def _local_date(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        if timezone.is_naive(moment):
            raise ValueError("aware datetimes only")
        return timezone.localtime(moment).date()
    return moment


def add_working_days(start: dt.datetime | dt.date, days: int, *, calendar: WorkCalendar | None = None) -> dt.date:
    """The date `days` working days after the (local) date of `start`. Pass a `calendar` to reuse its loaded
    holidays across several computations."""
    return (calendar or WorkCalendar()).add_working_days(_local_date(start), days)


def end_of_day(day: dt.date) -> dt.datetime:
    """The aware moment a limit ending on `day` runs out (CHILDPROTECT_WORKDAY_DEADLINE_TIME, local time)."""
    at = dt.time.fromisoformat(settings.CHILDPROTECT_WORKDAY_DEADLINE_TIME)
    return timezone.make_aware(dt.datetime.combine(day, at), timezone.get_default_timezone())


def working_days_deadline(
    start: dt.datetime | dt.date, days: int, *, calendar: WorkCalendar | None = None
) -> dt.datetime:
    """The aware moment a limit of `days` working days from `start` runs out (end of the last day, local time)."""
    return end_of_day(add_working_days(start, days, calendar=calendar))


def add_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """Clock hours: `start` + `hours`, whatever the day (NĐ 56 Đ26 k3 counts the 12 hours this way)."""
    if timezone.is_naive(start):
        raise ValueError("aware datetimes only")
    return start + dt.timedelta(hours=hours)
