from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def webhooks_deliver(client_id: int, report_id: int) -> int:
    """POST the pending webhook events of one report to its sender, in order (api/webhooks.py); how many went."""
    from .webhooks import deliver_report_events

    return deliver_report_events(client_id, report_id)
