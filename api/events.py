"""The outbox of webhook events (docs/api.md#webhooks): a status change of a report a client sent is written as a
WebhookEvent in the transaction that made the change, so an event exists exactly when the change does; delivery
(api/webhooks.py, a Celery task) happens after the commit.

Events are numbered per (client, report) from 1. The first is always `report.received`, written by the intake in
the report's own transaction; each later one locks the last event of its report before taking the next number, so
two changes of one report at once are numbered one after the other, never twice the same.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from cases.models import Report

from .models import ApiClient, WebhookEvent
from .status import report_status


class EventKind:
    RECEIVED = "report.received"  # the report was taken in (the intake's answer)
    FORWARDED = "report.forwarded"  # sent on to the commune where the incident happened
    CASE_OPENED = "case.opened"  # a child's case was opened
    CASE_STEP = "case.step"  # a step of the procedure was taken on a child's case
    CASE_CLOSED = "case.closed"  # a child's case was closed


def sender_of(report: Report) -> ApiClient | None:
    """The client that sent `report` and wants to hear back (an active client with a webhook), or None."""
    return ApiClient.objects.filter(account_id=report.received_by_id, is_active=True).exclude(webhook_url="").first()


def record_event(report: Report, kind: str) -> WebhookEvent | None:
    """Write the next event of `report` for its sender, with the report's status as of now; None when nobody listens.
    Call inside the transaction of the change. Delivery is queued on commit."""
    client = sender_of(report)
    if client is None:
        return None
    with transaction.atomic():
        mine = WebhookEvent.objects.filter(client=client, report=report)
        last = mine.select_for_update().order_by("-sequence").values_list("sequence", flat=True).first()
        sequence = (last if last is not None else (mine.aggregate(n=Max("sequence"))["n"] or 0)) + 1
        event = WebhookEvent.objects.create(
            client=client, report=report, sequence=sequence, kind=kind, payload=report_status(report)
        )
        transaction.on_commit(lambda: _queue(client.pk, report.pk))
    return event


def _queue(client_id: int, report_id: int) -> None:
    from .tasks import webhooks_deliver  # the task module imports the delivery, which imports this one

    webhooks_deliver.delay(client_id, report_id)
