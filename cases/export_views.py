"""Exports of the children, reports and cases lists (XLSX or CSV): `?format=xlsx|csv&protected=0|1` and the list's
own filter parameters.

The filters are read with the list page's form into the list page's selector filters, exactly as the list views do
(cases/views.py), so a file is the filtered list the user sees: the same jurisdiction, the same rows, in the same
order, all of them (no pagination). Partners reach the reports export (the reports they logged) and nothing else
here, as with the lists (404). Making the file and its audit entry: childprotect/exports.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from childprotect.accounts.policy import can_export_reporters
from childprotect.audit.actions import ExportAction
from childprotect.exports import ExportResource, export_response
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
def report_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    form = ReportFilterForm(request.GET or None)
    reporter = request.GET.get("reporter") == "1"

    def resource(**kwargs: Any) -> ExportResource:
        # The reporters' identity goes out only to an administrator who asks for it explicitly; the entry records it.
        if reporter and not can_export_reporters(request.user):
            raise Http404
        return (ReportWithReporterExportResource if reporter else ReportExportResource)(**kwargs)

    return export_response(
        request,
        list_url="cases:report_list",
        resource=resource,
        rows=lambda: selectors.reports_list(request.user, report_filters(form)),
        action=ExportAction.REPORTS,
        title=_("Thông tin, thông báo, tố giác"),
        basename="thong-tin-thong-bao-to-giac",
        filter_keys=list(form.fields),
        extra={"reporter": reporter},
    )


@login_required
@require_safe
def child_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    _require_registry_role(request.user)
    form = ChildFilterForm(request.GET or None)
    return export_response(
        request,
        list_url="cases:child_list",
        resource=ChildExportResource,
        rows=lambda: selectors.children_list(request.user, child_filters(form)),
        action=ExportAction.CHILDREN,
        title=_("Trẻ em"),
        basename="tre-em",
        filter_keys=list(form.fields),
    )


@login_required
@require_safe
def case_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    _require_registry_role(request.user)
    return export_response(
        request,
        list_url="cases:case_list",
        resource=CaseExportResource,
        rows=lambda: selectors.cases_list(request.user, case_filters(request.GET)),
        action=ExportAction.CASES,
        title=_("Hồ sơ vụ việc"),
        basename="ho-so-vu-viec",
        filter_keys=CASE_FILTER_KEYS,
    )
