"""The periodic report's documents: the official PDF (made by a Celery task, with a status page that follows its
progress, then downloaded) and the spreadsheet of its figures. Thin views: reach the report through
reporting.selectors (out of reach, partners included: 404); every download is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from childprotect.audit.actions import PeriodicReportAction
from childprotect.db_router import replica_view
from childprotect.http import AuthenticatedRequest, private_download, stored_file_open
from childprotect.pdf import ascii_filename
from childprotect.signing.selectors import signed_pdf_open

from . import selectors, services
from .models import PdfStatus
from .output import XLSX_CONTENT_TYPE, report_filename, report_xlsx_bytes

BUSY = (PdfStatus.PENDING, PdfStatus.RUNNING)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_pdf_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: where the PDF stands (refreshing itself while it is made). POST: make it (again), then back here."""
    report = selectors.periodic_report_get_for(request.user, pk)
    if request.method == "POST":
        if services.report_pdf_queue(actor=request.user, report=report):
            messages.success(request, _("Đã yêu cầu tạo bản PDF. Trang này tự cập nhật khi tạo xong."))
        else:
            messages.info(request, _("Bản PDF đang được tạo hoặc đã là bản mới nhất của báo cáo."))
        return redirect("reporting:report_pdf", pk=report.pk)
    services.periodic_report_record_view(actor=request.user, report=report, details={"page": "pdf"})
    busy = report.pdf_status in BUSY
    done = report.pdf_status == PdfStatus.DONE
    return render(
        request,
        "reporting/report_pdf.html",
        {
            "report": report,
            "busy": busy,
            "done": done,
            "current": done and report.pdf_version == report.version,
            "failed": report.pdf_status == PdfStatus.FAILED,
            "progress": 100 if done else report.pdf_progress,
        },
    )


@login_required
@require_safe
def report_pdf_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The stored PDF, once made (404 before)."""
    report = selectors.periodic_report_get_for(request.user, pk)
    if report.pdf_status != PdfStatus.DONE or not report.pdf:
        raise Http404
    handle = signed_pdf_open("periodic_report", report) or stored_file_open(report.pdf)  # signed: the signed PDF
    services.periodic_report_record_view(
        actor=request.user,
        report=report,
        action=PeriodicReportAction.PDF_DOWNLOAD,
        details={"version": report.pdf_version, "current": report.pdf_version == report.version},
    )
    return private_download(
        handle, filename=ascii_filename(report_filename(report, "pdf")), content_type="application/pdf"
    )


@login_required
@require_safe
@replica_view
def report_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The report's figures as a spreadsheet, made now from the figures the report holds."""
    report = selectors.periodic_report_get_for(request.user, pk)
    data = report_xlsx_bytes(report)
    services.periodic_report_record_view(
        actor=request.user, report=report, action=PeriodicReportAction.XLSX, details={"version": report.version}
    )
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    filename = ascii_filename(report_filename(report, "xlsx"), default="bao-cao.xlsx")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
