"""Caseload and time figures, per commune and per officer, within what the user reaches (docs/architecture.md#caseload).

Two queries whatever the number of communes, officers and cases (and a third, only when an old-list commune has a
row, to name it after its successor):

- the open cases grouped by (commune, officer in charge): open, and with a missed deadline (`case_overdue`);
- the cases received in the period, one row each, from one pass over their steps grouped by case: their commune and
  officer, when the report was received, the first time the plan was drafted (`draft_plan`), approved
  (`approve_plan`), the closure approved (`approve_closure`), and whether the case was reopened (`reopen`).

The medians are computed here, in Python, from the second query's rows: SQLite has no percentile_cont and the tests
run on it. A median over no case is None (shown "—"), never 0; so is the reopen rate with no case closed.

Every count links to the cases list filtered to exactly those cases (`drill_down`), through the list's own filters
(cases/forms.py `case_filters`): the commune (`unit`), the officer (`officer`), `open=1`, `overdue=1`, the period
(`received_from`, `received_to`), `closed=1` and `reopened=1`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import tablib
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from cases.selectors import (
    case_open,
    case_overdue,
    case_received_between,
    cases_visible_to,
)
from childprotect.accounts.models import User
from childprotect.audit.actions import ExportAction
from childprotect.audit.services import audit_record
from childprotect.places.selectors import successors_of
from reporting.periods import PeriodKind, period_for

MONTH_CHOICES = (3, 6, 12)
DEFAULT_MONTHS = 12
TOP_ROWS = 10  # the rows of each table on the supervisor's home page (the caseload page shows them all)


# --- the period --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadPeriod:
    """The cases received from `start` to `end` (local days, both included): the time figures' cohort."""

    key: str  # the value of ?period=
    label: str
    start: dt.date
    end: dt.date


def _months_back(today: dt.date, months: int) -> dt.date:
    """The day after the same day `months` months ago (the last 3 months on 20/11: 21/08 to 20/11)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    day = min(today.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=1)


def period_choices(today: dt.date) -> list[CaseloadPeriod]:
    """The last 3, 6 and 12 months, then the reporting periods begun in the last two years, the latest first."""
    choices = [
        CaseloadPeriod(str(m), _("%(n)s tháng gần nhất") % {"n": m}, _months_back(today, m), today)
        for m in MONTH_CHOICES
    ]
    periods = [period_for(kind, year) for year in range(today.year + 1, today.year - 2, -1) for kind in PeriodKind]
    for p in sorted((p for p in periods if p.start <= today), key=lambda p: (p.end, p.kind), reverse=True):
        label = _("Kỳ báo cáo %(label)s") % {"label": p.label}
        choices.append(CaseloadPeriod(p.key, label, p.start, min(p.end, today)))
    return choices


def period_from(value: str | None, today: dt.date) -> CaseloadPeriod:
    """The period asked for (`?period=`), or the last 12 months when the value is missing or unknown."""
    choices = period_choices(today)
    for choice in choices:
        if choice.key == value:
            return choice
    return choices[MONTH_CHOICES.index(DEFAULT_MONTHS)]


# --- the figures -------------------------------------------------------------------------------------------------


@dataclass
class CaseloadRow:
    """One commune's or one officer's figures; `query` is the cases list's filter that selects their cases."""

    key: int
    name: str
    query: dict[str, str]
    open: int = 0
    overdue: int = 0
    received: int = 0  # cases received in the period
    closed: int = 0  # of those, closed at least once
    reopened: int = 0  # of those, reopened at least once
    days_to_plan: list[float] = field(default_factory=list, repr=False)
    days_to_approval: list[float] = field(default_factory=list, repr=False)
    days_to_closure: list[float] = field(default_factory=list, repr=False)
    # The cases list behind each count (open, overdue, received, closed, reopened): `drill_down`.
    links: dict[str, str] = field(default_factory=dict, repr=False)

    @staticmethod
    def _median(days: list[float]) -> float | None:
        return round(statistics.median(days), 1) if days else None

    @property
    def median_to_plan(self) -> float | None:
        return self._median(self.days_to_plan)

    @property
    def median_to_approval(self) -> float | None:
        return self._median(self.days_to_approval)

    @property
    def median_to_closure(self) -> float | None:
        return self._median(self.days_to_closure)

    @property
    def reopen_rate(self) -> float | None:
        """Cases reopened over cases closed (of those received in the period), in percent; None with none closed."""
        return round(100 * self.reopened / self.closed, 1) if self.closed else None


@dataclass
class Caseload:
    period: CaseloadPeriod
    communes: list[CaseloadRow]
    officers: list[CaseloadRow]
    computed_at: dt.datetime  # when they were counted (the home page's card keeps them a few minutes)


def _drill_filters(what: str, period: CaseloadPeriod) -> dict[str, str]:
    """The cases list's filters, besides the row's own (its unit or officer), behind a count (`what`)."""
    if what in ("open", "overdue"):
        query = {"open": "1"}
        if what == "overdue":
            query["overdue"] = "1"
        return query
    query = {"received_from": period.start.isoformat(), "received_to": period.end.isoformat()}
    if what in ("closed", "reopened"):
        query["closed"] = "1"
    if what == "reopened":
        query["reopened"] = "1"
    return query


def drill_down(base: dict[str, str], what: str, period: CaseloadPeriod) -> str:
    """The cases list's URL selecting exactly the cases behind a count (`what`) of a row (`base`: its unit or
    officer)."""
    return f"{reverse('cases:case_list')}?{urlencode({**base, **_drill_filters(what, period)})}"


COUNTS = ("open", "overdue", "received", "closed", "reopened")


def _first(action: str) -> Min:
    """When the case's first step `action` was taken (None: never), within the cohort's one grouped pass over the
    steps."""
    return Min("steps__at", filter=Q(steps__action=action))


def _days(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds() / 86400)


def _officer_name(first: str | None, username: str | None) -> str:
    return first or username or "—"


def caseload_figures(
    user: User,
    now: dt.datetime,
    period: CaseloadPeriod,
    cases: QuerySet[Case] | None = None,
    *,
    top: int | None = None,
) -> Caseload:
    """Every commune and every officer with open cases or cases received in the period, in the user's reach (two
    queries; three when an old-list commune is named), the busiest first; only the `top` busiest of each when asked
    (the home page's card: the figures are the same, the links are made for the rows shown only)."""
    cases = cases_visible_to(user) if cases is None else cases
    communes: dict[int, CaseloadRow] = {}
    officers: dict[int, CaseloadRow] = {}
    old_units: set[int] = set()
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST

    def rows_for(r: dict[str, Any]) -> Iterable[CaseloadRow]:
        unit = r["unit"]
        if unit not in communes:
            communes[unit] = CaseloadRow(unit, r["unit__name"], {"unit": str(unit)})
            if r["unit__list_version"] != current:
                old_units.add(unit)
        yield communes[unit]
        officer = r["officer"]
        if officer is not None:
            if officer not in officers:
                name = _officer_name(r["officer__full_name"], r["officer__username"])
                officers[officer] = CaseloadRow(officer, name, {"officer": str(officer)})
            yield officers[officer]

    names = ("unit", "unit__name", "unit__list_version", "officer", "officer__full_name", "officer__username")
    for r in (
        cases.filter(case_open())
        .order_by()
        .values(*names)
        .annotate(open=Count("pk"), overdue=Count("pk", filter=case_overdue(now)))
    ):
        for row in rows_for(r):
            row.open += r["open"]
            row.overdue += r["overdue"]

    # One pass over the cohort's steps, grouped by case (the case's pk is among the values): the first draft plan,
    # approval and closure, and whether it was reopened (case_reopened_once, counted).
    cohort = (
        cases.filter(case_received_between(period.start, period.end))
        .order_by()
        .values("pk", *names, "report__received_at")
        .annotate(
            plan_at=_first("draft_plan"),
            approved_at=_first("approve_plan"),
            closed_at_first=_first("approve_closure"),
            reopened=Count("steps", filter=Q(steps__action="reopen")),
        )
    )
    for r in cohort:
        received = r["report__received_at"]
        to_plan, to_approval = _days(received, r["plan_at"]), _days(received, r["approved_at"])
        to_closure = _days(received, r["closed_at_first"])
        for row in rows_for(r):
            row.received += 1
            if to_plan is not None:
                row.days_to_plan.append(to_plan)
            if to_approval is not None:
                row.days_to_approval.append(to_approval)
            if to_closure is not None:
                row.closed += 1
                row.days_to_closure.append(to_closure)
                row.reopened += bool(r["reopened"])

    # An old-list commune taken over whole counts in the row of the commune that took it over: the cases list's
    # `unit=` of that commune lists the old one's cases too (places.selectors.unit_reach), so the count stays the
    # list's. One split between communes keeps its own row, named so (one query, only when there is an old-list
    # commune; docs/law.md#the-2025-reform).
    successors = successors_of(old_units) if old_units else {}
    for unit, found in successors.items():
        if found.successor is None:
            communes[unit].name = found.label()
            continue
        old, new = communes.pop(unit), found.successor
        into = communes.setdefault(new.pk, CaseloadRow(new.pk, new.name, {"unit": str(new.pk)}))
        into.open, into.overdue, into.received = (
            into.open + old.open,
            into.overdue + old.overdue,
            into.received + old.received,
        )
        into.closed, into.reopened = into.closed + old.closed, into.reopened + old.reopened
        into.days_to_plan += old.days_to_plan
        into.days_to_approval += old.days_to_approval
        into.days_to_closure += old.days_to_closure

    # The links of every row (`drill_down`), from parts encoded once: the list, each count's filters, the row's own.
    list_url = reverse("cases:case_list")
    filters = {what: urlencode(_drill_filters(what, period)) for what in COUNTS}

    def busiest(rows: Iterable[CaseloadRow]) -> list[CaseloadRow]:
        ordered = sorted(rows, key=lambda r: (-r.open, -r.overdue, -r.received, r.name, r.key))[:top]
        for row in ordered:
            own = urlencode(row.query)
            row.links = {what: f"{list_url}?{own}&{extra}" for what, extra in filters.items()}
        return ordered

    return Caseload(
        period=period, communes=busiest(communes.values()), officers=busiest(officers.values()), computed_at=now
    )


# --- the spreadsheet ---------------------------------------------------------------------------------------------

HEADERS = [
    "Đang xử lý",
    "Có việc quá hạn",
    "Tiếp nhận trong kỳ",
    "Số ngày (trung vị) đến khi lập kế hoạch",
    "Số ngày (trung vị) đến khi phê duyệt kế hoạch",
    "Số ngày (trung vị) đến khi đóng hồ sơ",
    "Đã đóng",
    "Đã mở lại",
    "Tỷ lệ mở lại (%)",
]


def _cells(row: CaseloadRow) -> list[object]:
    def blank(value: float | None) -> object:
        return "—" if value is None else value

    return [
        row.open,
        row.overdue,
        row.received,
        blank(row.median_to_plan),
        blank(row.median_to_approval),
        blank(row.median_to_closure),
        row.closed,
        row.reopened,
        blank(row.reopen_rate),
    ]


def caseload_xlsx_bytes(caseload: Caseload, *, reach: str, at: dt.datetime) -> bytes:
    """The figures as a spreadsheet: a sheet per commune, a sheet per officer, and what the file is (headers in
    Vietnamese, dates dd/mm/yyyy)."""
    communes = tablib.Dataset(headers=["Xã, phường", *HEADERS], title="Theo xã, phường")
    for row in caseload.communes:
        communes.append([row.name, *_cells(row)])
    officers = tablib.Dataset(headers=["Cán bộ phụ trách", *HEADERS], title="Theo cán bộ")
    for row in caseload.officers:
        officers.append([row.name, *_cells(row)])
    about = tablib.Dataset(headers=["Mục", "Nội dung"], title="Thông tin")
    about.extend(
        [
            ["Phạm vi", reach],
            ["Kỳ", caseload.period.label],
            ["Hồ sơ tiếp nhận", f"{caseload.period.start:%d/%m/%Y} – {caseload.period.end:%d/%m/%Y}"],
            ["Số liệu lúc", timezone.localtime(at).strftime("%d/%m/%Y %H:%M")],
            [
                "Cách tính",
                "Đang xử lý, quá hạn: hồ sơ chưa đóng hiện nay. Các cột còn lại: hồ sơ có thông tin tiếp nhận "
                "trong kỳ; số ngày tính từ khi tiếp nhận thông tin đến lần đầu lập kế hoạch, phê duyệt kế hoạch, "
                "phê duyệt đóng hồ sơ; tỷ lệ mở lại = số hồ sơ đã mở lại / số hồ sơ đã đóng. "
                "“—”: không có hồ sơ để tính.",
            ],
        ]
    )
    book = tablib.Databook([communes, officers, about])
    return bytes(book.export("xlsx"))


def caseload_export_record(*, actor: User, caseload: Caseload) -> None:
    """Write down who downloaded the caseload figures, of which period and how many rows (one audit entry)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=ExportAction.CASELOAD,
            changes={
                "period": caseload.period.key,
                "from": caseload.period.start.isoformat(),
                "to": caseload.period.end.isoformat(),
                "communes": len(caseload.communes),
                "officers": len(caseload.officers),
            },
            object_repr=f"Khối lượng công việc ({caseload.period.label})",
        )
