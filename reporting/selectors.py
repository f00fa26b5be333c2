"""Every read of periodic reports that reaches a user: the reports of units in their jurisdiction (404 otherwise),
and the cases or reports behind a figure, always within what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from cases.models import Case, Report
from cases.selectors import cases_visible_to, reports_visible_to
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_see_periodic_reports

from .indicators import BY_CODE
from .models import PeriodicReport, SentVersion


def periodic_reports_visible_to(user: User) -> QuerySet[PeriodicReport]:
    if not can_see_periodic_reports(user):
        return PeriodicReport.objects.none()
    if user.is_administrator:
        return PeriodicReport.objects.all()
    if user.unit is None:
        return PeriodicReport.objects.none()
    return PeriodicReport.objects.filter(Q(unit=user.unit) | Q(unit__path__startswith=user.unit.path + "/"))


def periodic_report_get_for(user: User, pk: int) -> PeriodicReport:
    report = (
        periodic_reports_visible_to(user)
        .select_related("unit__parent", "prepared_by", "submitted_by", "approved_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def sent_version_get(report: PeriodicReport, number: int) -> SentVersion:
    """A sent version of a report already reached through periodic_report_get_for (404 otherwise)."""
    sent = (
        report.sent_versions.select_related("submitted_by", "approved_by", "ended_by", "report__unit")
        .filter(number=number)
        .first()
    )
    if sent is None:
        raise Http404
    return sent


def figure_rows(user: User, report: PeriodicReport, code: str, dim: str = "", key: Any = None) -> QuerySet[Any]:
    """The cases (or, for reports received, the reports) behind one figure, within the viewer's reach.

    The list reflects the data as it is now; a sent report keeps the figures it was sent with.
    """
    indicator = BY_CODE.get(code)
    if indicator is None or (dim and dim not in indicator.dims_by_name):
        raise Http404
    units = report.figures.get("units", [report.unit_id])
    rows = indicator.matching(units, report.period, dim, key)
    if not indicator.case_path:
        return (
            reports_visible_to(user)
            .filter(pk__in=rows.values("pk"))
            .select_related("incident_unit", "channel")
            .order_by("-received_at")
        )
    ids = rows.values(indicator.case_path)
    qs: QuerySet[Case] = cases_visible_to(user).filter(pk__in=ids)
    return qs.select_related("child", "unit", "report").order_by("-opened_at", "-id")


def is_report_list(qs: QuerySet[Any]) -> bool:
    return qs.model is Report
