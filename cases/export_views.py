"""Exports of the children, reports and cases lists (XLSX or CSV): `?format=xlsx|csv&protected=0|1` and the list's
own filter parameters.

What each list exports, and how its rows are selected for the user, is its `ListExport` (cases/resources.py): the
list page's form and selector, so a file is the filtered list the user sees. Partners reach the reports export (the
reports they logged) and nothing else here, as with the lists (404). The CSV stream, the XLSX job and the audit
entry: childprotect/exports.py.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from childprotect.exports import export_response
from childprotect.http import AuthenticatedRequest

from .resources import CASES, CHILDREN, REPORTS


@login_required
@require_safe
def report_export(request: AuthenticatedRequest) -> HttpResponseBase:
    return export_response(request, REPORTS)


@login_required
@require_safe
def child_export(request: AuthenticatedRequest) -> HttpResponseBase:
    return export_response(request, CHILDREN)


@login_required
@require_safe
def case_export(request: AuthenticatedRequest) -> HttpResponseBase:
    return export_response(request, CASES)
