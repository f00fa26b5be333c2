"""Reporting periods (docs/law.md#periodic-reports): what each report covers and when it is due, from the settings.

A period is named by its kind and the year it is due in: the 6-month report of 2026 covers 15/12/2025–14/06/2026 and
is due 15/06/2026; the annual report of 2026 covers 15/12/2025–14/12/2026 and is due 15/12/2026 (NĐ 09/2019/NĐ-CP
cut-off, to confirm with the province). The days are settings (CHILDPROTECT_REPORT_PERIODS), not code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    SEMIANNUAL = "semiannual", _("6 tháng")
    ANNUAL = "annual", _("Năm")


@dataclass(frozen=True)
class Period:
    kind: str
    year: int
    start: dt.date
    end: dt.date
    due: dt.date

    @property
    def label(self) -> str:
        """How the report's subject names the period ("6 tháng đầu năm 2026", "năm 2026")."""
        return f"6 tháng đầu năm {self.year}" if self.kind == PeriodKind.SEMIANNUAL else f"năm {self.year}"

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.year}"

    @property
    def send_opens(self) -> dt.date:
        """The first day the report may be sent: the period's last day, or earlier by the setting, never before."""
        days = max(0, settings.CHILDPROTECT_REPORT_SEND_OPENS_DAYS_BEFORE_END)
        return max(self.start, self.end - dt.timedelta(days=days))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[from, to) as aware datetimes in the project's time zone: the first day 00:00 to the day after the end."""
        tz = timezone.get_default_timezone()
        start = timezone.make_aware(dt.datetime.combine(self.start, dt.time.min), tz)
        stop = timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min), tz)
        return start, stop


def _day(year: int, month_day: str) -> dt.date:
    month, day = (int(x) for x in month_day.split("-"))
    return dt.date(year, month, day)


def period_for(kind: str, year: int) -> Period:
    """The period of `kind` due in `year`. The start day is in the previous year when it falls after the end day."""
    rule = settings.CHILDPROTECT_REPORT_PERIODS[kind]
    end = _day(year, rule["end"])
    start = _day(year, rule["start"])
    if start > end:
        start = _day(year - 1, rule["start"])
    return Period(kind=kind, year=year, start=start, end=end, due=_day(year, rule["due"]))


def current_period(kind: str, today: dt.date | None = None) -> Period:
    """The period of `kind` whose report is being prepared now: the first one not yet due (due today counts)."""
    today = today or timezone.localdate()
    this_year = period_for(kind, today.year)
    return this_year if today <= this_year.due else period_for(kind, today.year + 1)


def next_due_period(today: dt.date | None = None) -> Period:
    """The next periodic report due, of either kind (in November: the annual report due 15/12)."""
    return min((current_period(kind, today) for kind in PeriodKind.values), key=lambda p: p.due)


def last_closed_period(kind: str, today: dt.date | None = None) -> Period:
    """The latest period of `kind` whose data window has ended (what is normally reported on its due date)."""
    today = today or timezone.localdate()
    this_year = period_for(kind, today.year)
    return this_year if today > this_year.end else period_for(kind, today.year - 1)


def _periods_around(today: dt.date) -> list[Period]:
    return [period_for(kind, year) for kind in PeriodKind.values for year in range(today.year - 2, today.year + 2)]


def latest_sendable_period(today: dt.date | None = None) -> Period:
    """The latest period (of either kind) whose report may be sent today (on 03/12/2026: the 6-month report of 2026;
    the annual report of 2026 opens on 14/12/2026)."""
    today = today or timezone.localdate()
    return max((p for p in _periods_around(today) if p.send_opens <= today), key=lambda p: (p.end, p.kind))


def period_before(period: Period) -> Period:
    """The latest period (of either kind) that ended before `period` did (before the 6-month report of 2026: the annual
    report of 2025)."""
    return max((p for p in _periods_around(period.end) if p.end < period.end), key=lambda p: (p.end, p.kind))
