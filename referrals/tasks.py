from __future__ import annotations

from celery import shared_task

from .services import referral_access_expire


@shared_task(acks_late=True)
def expire_referral_access() -> int:
    """The periodic job (childprotect/schedule.py): end partners' access the configured time after completion."""
    return referral_access_expire()
