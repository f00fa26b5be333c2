from __future__ import annotations

from celery import shared_task

from cases.services import deadlines_scan


@shared_task(acks_late=True)
def scan_deadlines() -> dict[str, int]:
    """The periodic deadline scan (childprotect/schedule.py). Safe to run twice or retry: reminders are unique."""
    result = deadlines_scan()
    return {"due_soon": result.due_soon, "overdue": result.overdue, "notifications": result.notifications}
