"""What the administrators read of the outbox (docs/alerts.md#the-administrators-page): each channel's state, counts
and last failures, the deliveries, one delivery. Never a message's text or its variables (a verification code waits
in `params` until it is sent): the rows are read without them. Everyone else gets a 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from childprotect.accounts.policy import Person, can_manage_alert_channels

from .channels.registry import adapter
from .models import Channel, Delivery, DeliveryStatus

FAILURES_SHOWN = 5  # the last failures listed per channel
DAY = dt.timedelta(hours=24)
WEEK = dt.timedelta(days=7)


def _require(user: Person) -> None:
    if not can_manage_alert_channels(user):
        raise Http404


def _rows() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("recipient").defer("params")


@dataclass
class ChannelState:
    """One channel on the administrators' page."""

    channel: str
    label: str
    configured: bool
    provider: str  # the adapter's provider name, "" when the channel is off
    day: dict[str, int] = field(default_factory=dict)  # status -> messages made in the last 24 hours
    week: dict[str, int] = field(default_factory=dict)  # status -> messages made in the last 7 days
    oldest_due: dt.datetime | None = None  # the oldest message due and not sent (pending or sending): made at
    failures: list[Delivery] = field(default_factory=list)  # the last failures, newest first

    @property
    def counts(self) -> list[tuple[str, str, int, int]]:
        """(status, its label, last 24 hours, last 7 days) for every status, in the order of the outbox."""
        return [(s.value, str(s.label), self.day.get(s.value, 0), self.week.get(s.value, 0)) for s in DeliveryStatus]

    @property
    def stuck_for(self) -> dt.timedelta | None:
        return timezone.now() - self.oldest_due if self.oldest_due is not None else None


def channel_states_for(user: Person) -> list[ChannelState]:
    """Each channel: configured or not (and by which provider), its messages by status made in the last 24 hours and
    7 days, how long the oldest message due has waited (a stuck queue: one waiting for the end of quiet hours or for a
    retry's wait is not due), and its last failures. Five queries whatever the number of messages."""
    _require(user)
    now = timezone.now()
    states: dict[str, ChannelState] = {}
    for channel in Channel:
        found = adapter(channel.value)
        states[channel.value] = ChannelState(
            channel=channel.value,
            label=str(channel.label),
            configured=found is not None,
            provider=found.provider if found is not None else "",
        )
    counted = (
        Delivery.objects.filter(created_at__gte=now - WEEK)
        .values("channel", "status")
        .annotate(week=Count("id"), day=Count("id", filter=Q(created_at__gte=now - DAY)))
        .order_by()
    )
    for row in counted:
        state = states.get(row["channel"])
        if state is not None:
            state.week[row["status"]] = row["week"]
            if row["day"]:
                state.day[row["status"]] = row["day"]
    oldest = (
        Delivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.SENDING), next_attempt_at__lte=now)
        .values("channel")
        .annotate(oldest=Min("created_at"))
        .order_by()
    )
    for row in oldest:
        if row["channel"] in states:
            states[row["channel"]].oldest_due = row["oldest"]
    for state in states.values():
        state.failures = list(
            _rows()
            .filter(channel=state.channel, status=DeliveryStatus.FAILED)
            .order_by("-created_at", "-id")[:FAILURES_SHOWN]
        )
    return list(states.values())


def deliveries_for(user: Person, *, channel: str = "", status: str = "") -> QuerySet[Delivery]:
    """The deliveries, newest first, with their recipient; filtered by channel and status."""
    _require(user)
    rows = _rows().order_by("-created_at", "-id")
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(status=status)
    return rows


def delivery_get_for(user: Person, pk: int) -> Delivery:
    _require(user)
    delivery = _rows().filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery


def channels_configured_for(user: Person) -> list[tuple[str, str]]:
    """The channels a test can be sent by: (value, label) of those configured."""
    _require(user)
    return [(c.value, str(c.label)) for c in Channel if adapter(c.value) is not None]
