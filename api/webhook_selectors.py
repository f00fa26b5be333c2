"""What the administrators read of the webhook events (docs/api.md#webhooks): the delivery log and one event."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from childprotect.accounts.policy import Person, can_see_webhooks

from .models import ApiClient, WebhookEvent


def _require(user: Person) -> None:
    if not can_see_webhooks(user):
        raise Http404


def webhook_events_for(user: Person, *, client: int | None = None, state: str = "") -> QuerySet[WebhookEvent]:
    """The events, newest first, with their client, report and number of attempts made; filtered by client and
    delivery state."""
    _require(user)
    events = (
        WebhookEvent.objects.select_related("client", "report")
        .annotate(logged=Count("attempt_log"))
        .order_by("-created_at", "-id")
    )
    if client is not None:
        events = events.filter(client_id=client)
    if state:
        events = events.filter(state=state)
    return events


def webhook_clients_for(user: Person) -> QuerySet[ApiClient]:
    """The clients the log can be filtered by: those with a webhook or events."""
    _require(user)
    return ApiClient.objects.order_by("name")


def webhook_event_get_for(user: Person, pk: int) -> WebhookEvent:
    """One event with its client and report; its attempts are `attempt_log` (oldest first)."""
    _require(user)
    event = WebhookEvent.objects.select_related("client", "report").filter(pk=pk).first()
    if event is None:
        raise Http404
    return event
