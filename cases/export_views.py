"""Exports of the children, reports and cases lists (XLSX or CSV): `?format=xlsx|csv&protected=0|1` and the list's
own filter parameters.

The filters are read with the list page's form into the list page's selector filters, exactly as the list views do
(cases/views.py), so a file is the filtered list the user sees: the same jurisdiction, the same rows, in the same
order, all of them (no pagination). Partners reach the reports export (the reports they logged) and nothing else
here, as with the lists (404). Making the file and its audit entry: childprotect/exports.py.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from childprotect.accounts.policy import can_export_reporters
from childprotect.audit.actions import ExportAction
from childprotect.exports import export_format, export_refused, export_response, wants_protected
from childprotect.http import AuthenticatedRequest

from . import selectors
from .forms import CASE_FILTER_KEYS, ChildFilterForm, ReportFilterForm, case_filters, child_filters, report_filters
from .resources import (
    CaseExportResource,
    ChildExportResource,
    ReportExportResource,
    ReportWithReporterExportResource,
)
from .views import _require_registry_role


@login_required
@require_safe
def report_export(request: AuthenticatedRequest) -> HttpResponse:
    fmt = export_format(request)
    if fmt is None:
        return export_refused(request, "cases:report_list")
    form = ReportFilterForm(request.GET or None)
    # The reporters' identity goes out only to an administrator who asks for it explicitly; the entry records it.
    reporter = request.GET.get("reporter") == "1"
    if reporter and not can_export_reporters(request.user):
        raise Http404
    resource_class = ReportWithReporterExportResource if reporter else ReportExportResource
    return export_response(
        request,
        resource=resource_class(user=request.user, protected=wants_protected(request)),
        queryset=selectors.reports_list(request.user, report_filters(form)),
        fmt=fmt,
        action=ExportAction.REPORTS,
        title=_("Thông tin, thông báo, tố giác"),
        basename="thong-tin-thong-bao-to-giac",
        filter_keys=list(form.fields),
        extra={"reporter": reporter},
    )


@login_required
@require_safe
def child_export(request: AuthenticatedRequest) -> HttpResponse:
    _require_registry_role(request.user)
    fmt = export_format(request)
    if fmt is None:
        return export_refused(request, "cases:child_list")
    form = ChildFilterForm(request.GET or None)
    return export_response(
        request,
        resource=ChildExportResource(user=request.user, protected=wants_protected(request)),
        queryset=selectors.children_list(request.user, child_filters(form)),
        fmt=fmt,
        action=ExportAction.CHILDREN,
        title=_("Trẻ em"),
        basename="tre-em",
        filter_keys=list(form.fields),
    )


@login_required
@require_safe
def case_export(request: AuthenticatedRequest) -> HttpResponse:
    _require_registry_role(request.user)
    fmt = export_format(request)
    if fmt is None:
        return export_refused(request, "cases:case_list")
    return export_response(
        request,
        resource=CaseExportResource(user=request.user, protected=wants_protected(request)),
        queryset=selectors.cases_list(request.user, case_filters(request.GET)),
        fmt=fmt,
        action=ExportAction.CASES,
        title=_("Hồ sơ vụ việc"),
        basename="ho-so-vu-viec",
        filter_keys=CASE_FILTER_KEYS,
    )
