from __future__ import annotations

from celery import shared_task

from cases.escalation import escalations_scan
from cases.services import deadlines_scan
from childprotect.health.services import scan_run_record


@shared_task(acks_late=True)
def scan_deadlines() -> dict[str, int]:
    """The periodic deadline scan (childprotect/schedule.py). Safe to run twice or retry: reminders are unique."""
    result = deadlines_scan()
    done = {"due_soon": result.due_soon, "overdue": result.overdue, "notifications": result.notifications}
    scan_run_record(done)  # its heartbeat (docs/architecture.md#health-heartbeats-and-alarms)
    return done


@shared_task(acks_late=True)
def escalate_alerts() -> dict[str, int]:
    """The periodic escalation of urgent alerts nobody opened (childprotect/schedule.py, cases/escalation.py). Safe
    to run twice or concurrently: each source is claimed once, each escalated copy is unique per recipient."""
    result = escalations_scan()
    return {"claimed": result.claimed, "escalated": result.escalated, "notifications": result.notifications}
