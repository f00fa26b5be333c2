from __future__ import annotations

from celery import shared_task

from .services import alarms_check, beat_heartbeat_record


@shared_task(acks_late=True)
def beat_heartbeat() -> None:
    """Every minute from beat (childprotect/schedule.py): beat is alive. When beat stops, this stops."""
    beat_heartbeat_record()


@shared_task(acks_late=True)
def check_alarms() -> int:
    """Open, close and e-mail the alarms now (the workers' health timer does this on its own; for a manual run)."""
    return len(alarms_check())
