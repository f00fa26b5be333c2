from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def webhooks_deliver(client_id: int, report_id: int) -> int:
    """POST the pending webhook events of one report to its sender, in order (api/webhooks.py); how many went."""
    from .webhooks import deliver_report_events

    return deliver_report_events(client_id, report_id)


@shared_task
def webhooks_sweep() -> int:
    """Every minute: queue the delivery of each report whose next webhook event is due (a retry whose wait is over,
    a claim whose worker died, an event whose queueing was lost); how many reports were queued."""
    from .webhooks import due_lines

    lines = due_lines()
    for client_id, report_id in lines:
        webhooks_deliver.delay(client_id, report_id)
    return len(lines)


@shared_task
def idempotency_keys_expire() -> int:
    """Every night: forget the answers to keyed requests older than CHILDPROTECT_API_IDEMPOTENCY_DAYS; how many."""
    from .idempotency import expire

    return expire()
