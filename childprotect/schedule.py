"""Every periodic Celery job of the project, declared in one place (read by settings as CELERY_BEAT_SCHEDULE).

django-celery-beat's DatabaseScheduler copies these entries into its tables at start, where administrators can see
them.
"""

from __future__ import annotations

from typing import TypedDict

from celery.schedules import crontab


class BeatEntry(TypedDict):
    task: str  # the task's dotted name
    schedule: crontab


BEAT_SCHEDULE: dict[str, BeatEntry] = {
    # Statutory deadlines: remind before they pass and escalate after (cases/services/casework.py deadlines_scan).
    "scan-deadlines": {
        "task": "cases.tasks.scan_deadlines",
        "schedule": crontab(minute="*/5"),
    },
    # Beat's heartbeat (childprotect/health): when beat stops, this stops, and the deadline scan's alarm follows.
    "beat-heartbeat": {
        "task": "childprotect.health.tasks.beat_heartbeat",
        "schedule": crontab(minute="*"),
    },
    # Urgent alerts nobody read or opened within CHILDPROTECT_ALERT_ESCALATE_MINUTES go up their commune's chain
    # (cases/escalation.py, docs/alerts.md#escalation).
    "escalate-alerts": {
        "task": "cases.tasks.escalate_alerts",
        "schedule": crontab(minute="*/5"),
    },
    # Referrals: an agency's view of a case ends CHILDPROTECT_REFERRAL_ACCESS_DAYS after it completed the referral.
    "expire-referral-access": {
        "task": "referrals.tasks.expire_referral_access",
        "schedule": crontab(minute=20),
    },
    # Periodic reports: the units that have not sent theirs are reminded before the due date, and escalated after it.
    "remind-report-due": {
        "task": "reporting.tasks.remind_report_due",
        "schedule": crontab(hour=7, minute=30),
    },
    # Alert messages (e-mail, SMS, Zalo) whose task was lost (broker outage), whose retry or quiet hours are over, or
    # whose worker died: each sent once (childprotect/alerts/services.py deliveries_sweep).
    "sweep-deliveries": {
        "task": "childprotect.alerts.tasks.sweep_deliveries",
        "schedule": crontab(minute="*"),
    },
    # Webhooks (docs/api.md#webhooks): the events due again (retries after their wait, claims whose worker died) and
    # those whose queueing was lost (broker outage) are sent, each report's in order (api/tasks.py webhooks_sweep).
    "sweep-webhooks": {
        "task": "api.tasks.webhooks_sweep",
        "schedule": crontab(minute="*"),
    },
    # Idempotency keys (docs/api.md#idempotency): an answer is kept CHILDPROTECT_API_IDEMPOTENCY_DAYS for retries.
    "expire-idempotency-keys": {
        "task": "api.tasks.idempotency_keys_expire",
        "schedule": crontab(hour=2, minute=35),
    },
    # XLSX exports: a file is deleted CHILDPROTECT_EXPORT_KEEP_HOURS after it was asked for (it holds personal data).
    "expire-exports": {
        "task": "childprotect.core.tasks.expire_exports",
        "schedule": crontab(minute=40),
    },
    # Imports whose worker died during the preview or the import (nothing was imported) are marked failed after
    # CHILDPROTECT_IMPORT_STALE_MINUTES without progress, so that their page says so and they can be cancelled
    # (childprotect/core/imports.py jobs_fail_stale).
    "sweep-imports": {
        "task": "childprotect.core.tasks.sweep_imports",
        "schedule": crontab(minute="*/5"),
    },
    # Sessions of logged-out or expired users pile up in the database; Django leaves their removal to a periodic job.
    "clear-expired-sessions": {
        "task": "childprotect.core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=2, minute=15),
    },
}
