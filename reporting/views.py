"""Thin views of the periodic reports: reach through reporting.selectors (404 otherwise), one service per write."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_oversee_area, can_prepare_periodic_reports, can_see_periodic_reports
from childprotect.db_router import replica_view
from childprotect.forms import step_form
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import ascii_filename
from childprotect.places.models import UnitLevel
from childprotect.places.selectors import old_unit_ids, successors_of

from . import indicators, selectors, services
from .forms import NewReportForm
from .handlers import TEXT_FIELDS
from .models import PeriodicReport
from .periods import latest_sendable_period, next_due_period
from .signers import chooses_signer, signer_choices
from .workflow import FROZEN

PAGE_SIZE = 25


def _require_reporting_role(user: User) -> None:
    if not can_see_periodic_reports(user):
        raise Http404  # partners have no part in the periodic reports


@login_required
@replica_view
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    """The reports within reach; for a supervisor, which units below have sent the next report due."""
    _require_reporting_role(request.user)
    user = request.user
    reports = selectors.periodic_reports_visible_to(user).select_related("unit")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    period = next_due_period(timezone.localdate())
    # The next report due may not be sendable yet (its period has not ended): the latest one that is, shown too.
    sendable = latest_sendable_period(timezone.localdate())
    own = own_sendable = None
    board: list[tuple[Any, PeriodicReport | None]] = []
    if user.unit is not None and can_prepare_periodic_reports(user):
        own = reports.filter(unit=user.unit, kind=period.kind, year=period.year).first()
        own_sendable = reports.filter(unit=user.unit, kind=sendable.kind, year=sendable.year).first()
        if can_oversee_area(user):
            below = services.units_below(user.unit)
            sent = {
                r.unit_id: r
                for r in PeriodicReport.objects.filter(unit__parent=user.unit, kind=period.kind, year=period.year)
            }
            staffed = {u.pk for u in services.reporting_units_below(user.unit)}
            board = [(u, sent.get(u.pk)) for u in below if u.pk in staffed or u.pk in sent]
    can_prepare = user.unit is not None and "preparer" in services.role_towards(user, user.unit)
    return render(
        request,
        "reporting/report_list.html",
        {
            "page": page,
            "period": period,
            "own": own,
            "sendable": None if sendable == period else sendable,
            "own_sendable": own_sendable,
            "board": board,
            "can_prepare": can_prepare,
            "form": NewReportForm(initial={"kind": period.kind, "year": period.year}),
        },
    )


@login_required
@require_POST
def report_new(request: AuthenticatedRequest) -> HttpResponse:
    """Open the report of the user's own unit for a period (or go to the one already open)."""
    _require_reporting_role(request.user)
    form = NewReportForm(request.POST)
    if not form.is_valid() or request.user.unit is None:
        messages.error(request, _("Kỳ hoặc năm báo cáo không hợp lệ."))
        return redirect("reporting:report_list")
    try:
        report = services.report_prepare(
            actor=request.user, unit=request.user.unit, kind=form.cleaned_data["kind"], year=form.cleaned_data["year"]
        )
    except ValidationError as exc:
        if getattr(exc, "code", None) == "refused":
            raise PermissionDenied(" ".join(exc.messages)) from exc
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:report_list")
    if report.prepared_by_id != request.user.pk:  # someone else opened it first (perhaps this very moment)
        messages.info(
            request,
            _("Báo cáo này đã được %(name)s lập; đây là báo cáo đó, không có bản mới nào được tạo.")
            % {"name": report.prepared_by.full_name},
        )
    return redirect("reporting:report_detail", pk=report.pk)


@login_required
@replica_view
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.periodic_report_get_for(request.user, pk)
    services.periodic_report_record_view(actor=request.user, report=report)
    steps = services.REPORTS.available(request.user, report)
    share = indicators.on_time_share(report.figures.get("indicators", {}))
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "sections": indicators.sections(report.figures.get("indicators", {})),
            "steps": steps,
            "share": None if share is None else round(share * 100),
            "waiting": services.steps_waiting(request.user, report),
            "sent_versions": report.sent_versions.select_related(
                "submitted_by", "signed_by", "approved_by", "ended_by"
            ),
            "events": report.events.select_related("actor"),
            "aggregate": report.unit.level != UnitLevel.COMMUNE,
            "included": report.figures.get("included", []),
            "missing": report.figures.get("missing", []),
            "without_accounts": report.figures.get("without_accounts", 0),
            "final": report.status in FROZEN,
        },
    )


@login_required
@replica_view
def report_figure(request: AuthenticatedRequest, pk: int, code: str) -> HttpResponse:
    """The cases (or reports) behind a figure of the report, within the viewer's jurisdiction."""
    report = selectors.periodic_report_get_for(request.user, pk)
    dim = request.GET.get("dim", "")
    try:
        key = json.loads(request.GET.get("key", "null")) if dim else None
    except ValueError as exc:
        raise Http404 from exc
    rows = selectors.figure_rows(request.user, report, code, dim, key)
    indicator = indicators.BY_CODE[code]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    reports = selectors.is_report_list(rows)
    # Old-list communes under the commune that took them over (one query, none when no old unit is shown).
    successors = successors_of(old_unit_ids(r.incident_unit if reports else r.unit for r in page))
    label = ""
    if dim:
        label = next(
            (
                lbl
                for k, lbl, _n in report.figures.get("indicators", {}).get(code, {}).get("by", {}).get(dim, [])
                if k == key
            ),
            str(key),
        )
    services.periodic_report_record_view(
        actor=request.user, report=report, details={"page": "figure", "code": code, "dim": dim}
    )
    # The communes the figure counts for: a listed case held elsewhere now has moved since (said on its row).
    here = [key] if dim == indicators.COMMUNE.name else report.figures.get("units", [report.unit_id])
    return render(
        request,
        "reporting/report_figure.html",
        {
            "report": report,
            "indicator": indicator,
            "dim": indicator.dims_by_name.get(dim),
            "key_label": label,
            "page": page,
            "reports": reports,
            "successors": successors,
            "here": here,
        },
    )


@login_required
def report_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """The form of one step of the report (GET) and taking it (POST). Refused steps say why, in Vietnamese."""
    report = selectors.periodic_report_get_for(request.user, pk)
    initial: dict[str, Any] = {"version": report.version, **{name: getattr(report, name) for name in TEXT_FIELDS}}
    form_kwargs: dict[str, Any] = {}
    if action == "submit" and chooses_signer(report.unit):
        # Who signs: the sender themselves when they head the agency or are a deputy, else nobody until chosen.
        form_kwargs["signers"] = choices = signer_choices(report.unit)
        own = str(request.user.pk)
        initial["signer"] = own if any(value == own for value, _label in choices) else ""
    page = step_form(
        request,
        services.REPORTS,
        report,
        action,
        back=reverse("reporting:report_detail", args=[report.pk]),
        initial=initial,
        form_kwargs=form_kwargs,
    )
    if isinstance(page, HttpResponse):
        return page
    step, form = page
    services.periodic_report_record_view(actor=request.user, report=report, details={"page": "act", "action": action})
    return render(request, "reporting/report_act.html", {"report": report, "step": step, "form": form})


@login_required
@replica_view
def report_sent_version(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    """One sent version of the report as it was sent: its frozen figures and text, and how it ended."""
    report = selectors.periodic_report_get_for(request.user, pk)
    sent = selectors.sent_version_get(report, number)
    services.periodic_report_record_view(actor=request.user, report=report, details={"sent": sent.number})
    figures = sent.figures.get("indicators", {})
    share = indicators.on_time_share(figures)
    return render(
        request,
        "reporting/report_sent_version.html",
        {
            "report": report,
            "sent": sent,
            "sections": indicators.sections(figures),
            "share": None if share is None else round(share * 100),
            "aggregate": report.unit.level != UnitLevel.COMMUNE,
            "included": sent.figures.get("included", []),
            "missing": sent.figures.get("missing", []),
        },
    )


@login_required
@require_safe
def report_sent_version_pdf(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    """The official PDF of a sent version (kept; made once from the frozen figures if it was never made)."""
    report = selectors.periodic_report_get_for(request.user, pk)
    sent = selectors.sent_version_get(report, number)
    data = services.sent_version_pdf(actor=request.user, sent=sent)
    response = HttpResponse(data, content_type="application/pdf")
    filename = ascii_filename(f"bao-cao-{report.kind}-{report.year}-{report.unit.name}-lan-{sent.number}.pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
