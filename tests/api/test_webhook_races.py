"""Two workers delivering the same report's webhook events at once (docs/api.md#webhooks): each event is sent once,
in order, whoever claims it; on SQLite and, with DATABASE_URL, on PostgreSQL (tests/support/concurrency.py)."""

from __future__ import annotations

import json

import pytest

from api.events import EventKind
from api.models import DeliveryState, WebhookAttempt, WebhookEvent
from api.webhooks import deliver_report_events
from tests.support.concurrency import race, race_db
from tests.support.webhooks import listen

pytestmark = pytest.mark.usefixtures("clock", "eager_celery")

ROUNDS = 3


@race_db
def test_two_workers_never_send_the_same_event_and_keep_the_order(hotline, receiver, make_report):
    listen(hotline.client, receiver.url)
    receiver.delay = 0.05  # each POST takes a while: the other worker comes while an event is out
    client_id = hotline.client.pk
    for _ in range(ROUNDS):
        receiver.received = []
        report = make_report(hotline.client.account)
        for sequence, kind in enumerate((EventKind.RECEIVED, EventKind.CASE_OPENED, EventKind.CASE_STEP), start=1):
            # Written directly: nothing is queued on commit, the two workers below are the only senders.
            WebhookEvent.objects.create(client_id=client_id, report=report, sequence=sequence, kind=kind)

        results = race(
            lambda r=report.pk: deliver_report_events(client_id, r),
            lambda r=report.pk: deliver_report_events(client_id, r),
        )

        assert not [r for r in results if isinstance(r, BaseException)], results
        assert [json.loads(b)["sequence"] for b in receiver.bodies()] == [1, 2, 3]
        assert sum(results) == 3
        events = WebhookEvent.objects.filter(report=report)
        assert {(e.state, e.attempts) for e in events} == {(DeliveryState.DELIVERED, 1)}
        assert WebhookAttempt.objects.filter(event__report=report).count() == 3
