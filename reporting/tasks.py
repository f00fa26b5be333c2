"""Celery tasks of the periodic reports: the official PDF (with progress) and the due-date reminders."""

from __future__ import annotations

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction

from childprotect.accounts.models import User
from childprotect.audit.actions import PeriodicReportAction
from childprotect.audit.services import audit_record

from .models import PdfStatus, PeriodicReport
from .selectors import periodic_reports_visible_to
from .services import due_reminders_scan


def _progress(report_id: int, percent: int, status: str = PdfStatus.RUNNING) -> None:
    PeriodicReport.objects.filter(pk=report_id).update(pdf_status=status, pdf_progress=percent)


@shared_task(acks_late=True)
def render_report_pdf(report_id: int, user_id: int) -> str:
    """Render the report's official PDF and store it. Takes ids, reloads, re-checks that the asker still reaches the
    report; progress (0–100) is kept on the report for the status page."""
    from .output import report_pdf_bytes

    user = User.objects.filter(pk=user_id, is_active=True).first()
    report = periodic_reports_visible_to(user).filter(pk=report_id).first() if user else None
    if report is None:
        _progress(report_id, 0, PdfStatus.FAILED)
        return "refused"
    _progress(report.pk, 10)
    try:
        pdf = report_pdf_bytes(report, progress=lambda p: _progress(report.pk, p))
    except Exception:
        _progress(report.pk, 0, PdfStatus.FAILED)
        raise
    with transaction.atomic():
        locked = PeriodicReport.objects.select_for_update().get(pk=report.pk)
        if locked.pdf:
            locked.pdf.delete(save=False)
        locked.pdf.save(f"{locked.pk}.pdf", ContentFile(pdf), save=False)
        locked.pdf_status, locked.pdf_progress, locked.pdf_version = PdfStatus.DONE, 100, report.version
        locked.save(update_fields=["pdf", "pdf_status", "pdf_progress", "pdf_version"])
        audit_record(actor=user, action=PeriodicReportAction.PDF, obj=locked, changes={"version": report.version})
    return "done"


@shared_task(acks_late=True)
def remind_report_due() -> int:
    """The daily reminder of reports not yet sent (childprotect/schedule.py); safe to run twice."""
    return due_reminders_scan()
