from __future__ import annotations

import logging

from celery import shared_task

from .services import deliveries_sweep, delivery_send

logger = logging.getLogger(__name__)


@shared_task
def send_delivery(delivery_id: int) -> str:
    """Send one message of the outbox (alerts.services.delivery_send claims it: exactly once with the sweep)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import Delivery, DeliveryStatus

    status = delivery_send(delivery_id)
    if status == DeliveryStatus.PENDING:  # a temporary failure: try again when its wait is over
        due = Delivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", flat=True).first()
        if due is not None:
            wait = max(1.0, (due - timezone.now()) / timedelta(seconds=1))
            try:
                send_delivery.apply_async((delivery_id,), countdown=wait)
            except Exception:  # the broker is down: the sweep sends it when its wait is over
                logger.warning("delivery %s: retry not queued; the sweep will send it", delivery_id)
    return status


@shared_task
def sweep_deliveries() -> int:
    """Send the messages a broker outage, a provider failure, quiet hours or a dead worker left unsent."""
    return deliveries_sweep()
