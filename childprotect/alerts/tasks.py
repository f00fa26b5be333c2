from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .services import deliveries_sweep, delivery_send

logger = logging.getLogger(__name__)


# A send that outlives CHILDPROTECT_ALERT_SEND_TIME_LIMIT is interrupted (the soft limit: delivery_send frees the
# message for a retry), then its process is replaced (the hard one). Both need the prefork pool (make run, compose).
_LIMIT = settings.CHILDPROTECT_ALERT_SEND_TIME_LIMIT


@shared_task(soft_time_limit=_LIMIT, time_limit=_LIMIT + 30)
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


@shared_task(soft_time_limit=5 * _LIMIT, time_limit=5 * _LIMIT + 30)
def sweep_deliveries() -> int:
    """Send the messages a broker outage, a provider failure, quiet hours or a dead worker left unsent."""
    return deliveries_sweep()
