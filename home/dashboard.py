"""The figures of the role home pages: SQL aggregates within what the user reaches, never a loop over cases.

Each count is the count of the list its link opens: cases by step -> /cases/?state=..., by commune -> /cases/?unit=...,
by form of abuse -> /cases/?form=..., cases with a missed deadline -> /cases/?overdue=1, referrals past their response
time -> /referrals/?overdue=1. The supervisor's area view costs the same number of queries whatever the number of
cases (tests/home/test_dashboards.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import MAIN_FORMS, Case, CaseState, Sex
from cases.selectors import case_overdue, case_reach_key, cases_visible_to
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_oversee_area
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import successors_of
from home.caseload import TOP_ROWS, Caseload, caseload_figures, period_from
from referrals.models import Referral, ReferralStatus
from referrals.selectors import ReferralFilters, referrals_list
from reporting.indicators import AGE_GROUPS, _with_age_group
from reporting.models import PeriodicReport
from reporting.models import ReportStatus as PeriodicStatus
from reporting.periods import Period, next_due_period
from reporting.services import staffed_units
from reporting.workflow import FROZEN

TOP_COMMUNES = 15
PENDING_SHOWN = 30
MONTHS = 12

logger = logging.getLogger(__name__)

T = TypeVar("T")


# --- the commune: cases by step, referrals waiting (what waits on the user: home/selectors.py) ------------------


@dataclass(frozen=True)
class StateRow:
    state: str
    label: str
    total: int
    overdue: int


def state_counts(cases: QuerySet[Case], now: dt.datetime) -> list[StateRow]:
    """Every step of the procedure, in its order, with its cases and those with a missed deadline (one query)."""
    rows = {
        r["state"]: r
        for r in cases.order_by()
        .values("state")
        .annotate(total=Count("pk"), overdue=Count("pk", filter=case_overdue(now)))
    }
    return [
        StateRow(value, str(label), rows.get(value, {}).get("total", 0), rows.get(value, {}).get("overdue", 0))
        for value, label in CaseState.choices
    ]


def referrals_waiting(user: User) -> QuerySet[Referral]:
    """The referrals of the user's cases sent and not answered yet, the first to fall due (or overdue) first."""
    return referrals_list(user, ReferralFilters(status=ReferralStatus.SENT)).order_by(
        F("response_due").asc(nulls_last=True), "-id"
    )


# --- the supervisor's area view ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneRow:
    unit_id: int
    name: str
    total: int
    open: int
    overdue: int


@dataclass
class Chart:
    """A chart and its numbers: drawn by static/js/dashboard.js, and shown as a table for everyone else."""

    key: str
    title: str
    axis: str  # what the labels are (the first column of the table)
    labels: list[str]
    series: list[tuple[str, list[int]]]
    links: list[str] = field(default_factory=list)  # the list behind each label, when there is one

    @property
    def rows(self) -> list[tuple[str, str, list[int]]]:
        return [
            (label, self.links[i] if self.links else "", [values[i] for _name, values in self.series])
            for i, label in enumerate(self.labels)
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "labels": self.labels,
            "series": [{"label": name, "values": values} for name, values in self.series],
            "links": self.links,
        }


@dataclass(frozen=True)
class PendingUnit:
    pk: int
    name: str
    report_id: int | None
    status: str


@dataclass
class PendingReports:
    period: Period
    expected: int
    missing: int
    units: list[PendingUnit]


@dataclass
class AreaView:
    states: list[StateRow]
    open_cases: int
    overdue_cases: int
    overdue_referrals: int
    communes: list[CommuneRow]
    communes_with_cases: int
    pending: PendingReports | None
    charts: list[Chart]
    charts_at: dt.datetime  # when the charts' figures were counted (they are cached for a few minutes)
    figures_at: dt.datetime  # when the communes' rows and the caseload card were counted (`area_figures`)
    caseload: Caseload  # the busiest communes and officers, the last 12 months (home/caseload.py; `area_figures`)

    @property
    def chart_data(self) -> dict[str, Any]:
        return {chart.key: chart.as_json() for chart in self.charts}


def pending_reports(user: User, today: dt.date) -> PendingReports | None:
    """The units right below the supervisor's that have not sent the next report due (sent: submitted or approved).

    Expected to report: the units whose staff use the system (reporting.services.reporting_units_below), and any
    unit that has started its report.
    """
    if not can_oversee_area(user) or user.unit_id is None:
        return None
    period = next_due_period(today)
    reports = PeriodicReport.objects.filter(unit=OuterRef("pk"), kind=period.kind, year=period.year)
    # One query: every unit expected, with its report's status if it has one (the units right below: a province's
    # communes, a few hundred at most); counted and sorted out here.
    expected = (
        AdminUnit.objects.filter(Q(pk__in=staffed_units()) | Q(Exists(reports)), parent_id=user.unit_id)
        .annotate(report_id=Subquery(reports.values("pk")[:1]), report_status=Subquery(reports.values("status")[:1]))
        .order_by("name", "pk")
        .values("pk", "name", "report_id", "report_status")
    )
    rows = list(expected)
    missing = [r for r in rows if r["report_status"] not in FROZEN]
    labels = dict(PeriodicStatus.choices)
    units = [
        PendingUnit(r["pk"], r["name"], r["report_id"], str(labels.get(r["report_status"], _("Chưa lập báo cáo"))))
        for r in missing[:PENDING_SHOWN]
    ]
    return PendingReports(period=period, expected=len(rows), missing=len(missing), units=units)


def _month_starts(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(dt.date(year, month + 1, 1))
    return months


@dataclass(frozen=True)
class ChartFigures:
    """The numbers behind the charts, as counted at `computed_at` (cached: see `chart_figures`)."""

    by_form: dict[str, int]
    by_month: dict[tuple[int, int], int]
    by_age: dict[tuple[str, str], int]
    computed_at: dt.datetime


def count_chart_figures(cases: QuerySet[Case], today: dt.date, now: dt.datetime) -> ChartFigures:
    """Cases by form of abuse, by month of receipt (the last 12 months), children by age group and sex (3 queries)."""
    # A report names a form once (report_abuse_unique) and a case has one report: the rows joined are the cases.
    by_form = dict(
        cases.filter(report__abuse_forms__form__in=[value for value, _label in MAIN_FORMS])
        .order_by()
        .values_list("report__abuse_forms__form")
        .annotate(n=Count("pk"))
        .values_list("report__abuse_forms__form", "n")
    )
    start = timezone.make_aware(
        dt.datetime.combine(_month_starts(today)[0], dt.time.min), timezone.get_default_timezone()
    )
    by_month: dict[tuple[int, int], int] = {}
    for month, n in (
        cases.filter(report__received_at__gte=start)
        .annotate(month=TruncMonth("report__received_at"))
        .order_by()
        .values_list("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    ):
        key = (month.year, month.month)
        by_month[key] = by_month.get(key, 0) + n
    grouped, path = _with_age_group(cases, "child", "report__received_at")
    by_age = {
        (group, sex): n
        for group, sex, n in grouped.order_by()
        .values_list(path, "child__sex")
        .annotate(n=Count("child", distinct=True))
        .values_list(path, "child__sex", "n")
    }
    return ChartFigures(by_form, by_month, by_age, now)


def _kept(key: str, count: Callable[[], T], kind: type[T], what: str) -> T:
    """`count()`, kept in the cache under `key` for CHILDPROTECT_CHARTS_CACHE_SECONDS (0: counted on every view).

    With the cache down (Redis in production), the figures are counted for this view and the page still opens.
    """
    seconds = settings.CHILDPROTECT_CHARTS_CACHE_SECONDS
    figures = None
    if seconds:
        try:
            figures = cache.get(key)
        except Exception:
            logger.warning("%s cache unreachable, figures counted for this view", what, exc_info=True)
            seconds = 0
    if not isinstance(figures, kind):
        figures = count()
        if seconds:
            try:
                cache.set(key, figures, seconds)
            except Exception:
                logger.warning("%s cache unreachable, figures not kept", what, exc_info=True)
    return figures


def chart_figures(user: User, cases: QuerySet[Case], today: dt.date, now: dt.datetime) -> ChartFigures:
    """The chart figures of the cases `user` reaches (`cases`), counted at most every CHILDPROTECT_CHARTS_CACHE_SECONDS.

    They join every case in reach to its report and child, the page's heaviest reads
    (docs/query-plans.md#supervisor-dashboard), so they are kept in the cache under the reach and the day: the key
    (cases.selectors.case_reach_key) is the same for every user who reaches the same cases, and only for them. The
    page says when they were counted. The counts a user acts on (by step, overdue, due soon) are never cached.
    """
    key = f"home:charts:v1:{case_reach_key(user)}:{today.isoformat()}"
    return _kept(key, lambda: count_chart_figures(cases, today, now), ChartFigures, "chart")


def charts(figures: ChartFigures, today: dt.date) -> list[Chart]:
    """Cases by form of abuse, by month of receipt (the last 12 months), children by age group and sex."""
    forms = Chart(
        "forms",
        _("Hồ sơ theo hình thức xâm hại"),
        _("Hình thức"),
        [str(label) for _value, label in MAIN_FORMS],
        [(_("Số hồ sơ"), [figures.by_form.get(value, 0) for value, _label in MAIN_FORMS])],
        links=[f"{reverse('cases:case_list')}?form={value}" for value, _label in MAIN_FORMS],
    )
    months = _month_starts(today)
    received = Chart(
        "months",
        _("Hồ sơ theo tháng tiếp nhận (12 tháng gần nhất)"),
        _("Tháng"),
        [m.strftime("%m/%Y") for m in months],
        [(_("Số hồ sơ"), [figures.by_month.get((m.year, m.month), 0) for m in months])],
    )
    by_age = figures.by_age
    sexes = [(v, label) for v, label in Sex.choices if v != Sex.UNKNOWN or any(s == v for _g, s in by_age)]
    ages = Chart(
        "ages",
        _("Trẻ em theo nhóm tuổi và giới tính (tuổi khi tiếp nhận thông tin)"),
        _("Nhóm tuổi"),
        [str(label) for _key, label in AGE_GROUPS],
        [(str(label), [by_age.get((key, sex), 0) for key, _label in AGE_GROUPS]) for sex, label in sexes],
    )
    return [forms, ages, received]


@dataclass(frozen=True)
class CommuneFigures:
    """The busiest communes (open, overdue, all cases) and how many communes have cases."""

    rows: list[CommuneRow]
    with_cases: int


def count_commune_figures(cases: QuerySet[Case], now: dt.datetime) -> CommuneFigures:
    """Every commune with cases, one row each (a province's: a few hundred at most): the busiest shown, all counted
    (one query; a second names an old-list commune after the one that took it over, only when there is one)."""
    every = sorted(
        cases.order_by()
        .values("unit", "unit__name", "unit__list_version")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=~Q(state=CaseState.CLOSED)),
            overdue=Count("pk", filter=case_overdue(now)),
        ),
        key=lambda r: (-r["open"], -r["overdue"], -r["total"], r["unit__name"], r["unit"]),
    )
    rows = every[:TOP_COMMUNES]
    # An old-list commune's row is named after the commune that took it over, its old name kept
    # (docs/law.md#the-2025-reform).
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST
    successors = successors_of(r["unit"] for r in rows if r["unit__list_version"] != current)
    shown = [
        CommuneRow(
            r["unit"],
            successors[r["unit"]].label() if r["unit"] in successors else r["unit__name"],
            r["total"],
            r["open"],
            r["overdue"],
        )
        for r in rows
    ]
    return CommuneFigures(shown, len(every))


@dataclass(frozen=True)
class AreaFigures:
    """The area view's tables by commune and officer: the busiest communes, and the caseload card (the busiest
    communes and officers, the last 12 months), counted together (at `caseload.computed_at`)."""

    communes: CommuneFigures
    caseload: Caseload


def area_figures(user: User, cases: QuerySet[Case], today: dt.date, now: dt.datetime) -> AreaFigures:
    """The tables by commune and by officer, kept as the charts are.

    They read every case in reach grouped by commune and officer, and every case received in a year with its steps
    (docs/benchmarks.md#the-supervisors-home-page): an overview, not a list to act on. Kept together under the reach,
    the day and the language (the period's name), the two tables show the same moment, and the page says which. The
    area's totals by step and overdue, above them, are live; so are the caseload page (`/home/caseload/`) and its
    spreadsheet.
    """
    key = f"home:area:v2:{case_reach_key(user)}:{today.isoformat()}:{translation.get_language()}"

    def count() -> AreaFigures:
        caseload = caseload_figures(user, now, period_from(None, today), cases, top=TOP_ROWS)
        return AreaFigures(count_commune_figures(cases, now), caseload)

    return _kept(key, count, AreaFigures, "area")


def area_view(user: User, now: dt.datetime, today: dt.date) -> AreaView:
    """The supervisor's view of the area: a fixed number of queries, whatever the number of cases."""
    cases = cases_visible_to(user)  # the reach, computed once: every figure below counts inside it
    figures = chart_figures(user, cases, today, now)
    states = state_counts(cases, now)
    kept = area_figures(user, cases, today, now)
    return AreaView(
        states=states,
        open_cases=sum(r.total for r in states if r.state != CaseState.CLOSED),
        overdue_cases=sum(r.overdue for r in states),
        overdue_referrals=referrals_list(user, ReferralFilters(overdue=True)).count(),
        communes=kept.communes.rows,
        communes_with_cases=kept.communes.with_cases,
        figures_at=kept.caseload.computed_at,
        pending=pending_reports(user, today),
        charts=charts(figures, today),
        charts_at=figures.computed_at,
        caseload=kept.caseload,
    )
