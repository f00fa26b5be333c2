"""Celery tasks of the periodic reports: each takes ids and calls one service (reporting/services.py)."""

from __future__ import annotations

from celery import shared_task

from .services import due_reminders_scan, report_pdf_render


@shared_task(acks_late=True)
def render_report_pdf(report_id: int, user_id: int) -> str:
    """The official PDF asked for on the report's status page (`report_pdf_queue`)."""
    return report_pdf_render(report_id=report_id, actor_id=user_id)


@shared_task(acks_late=True)
def remind_report_due() -> int:
    """The daily reminder of reports not yet sent (childprotect/schedule.py); safe to run twice."""
    return due_reminders_scan()
