"""The escalation scan at a pinned number of queries, the same for one urgent alert as for ten across two communes: a
scan that starts to query per notification (or per chair) fails here with the list of queries it ran."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from cases.escalation import escalations_scan
from childprotect.alerts.models import AlertKind
from childprotect.core.models import Notification
from childprotect.core.services import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

# A savepoint; the unopened urgent alerts (locked); their claim; the chairs and supervisors; who had the events
# already; the escalated copies, their messages (the copies with their recipients, the recipients' choices of
# channels, the outbox rows: childprotect/alerts/services.py deliveries_plan); the audit entries; the release.
ESCALATION_QUERIES = 10


@pytest.mark.parametrize("alerts", [1, 10])
def test_the_escalation_scan_runs_the_same_queries_for_one_alert_as_for_ten(
    officer_a, officer_b, chair_a, chair_b, commune_a, commune_b, clock, django_assert_num_queries, alerts
):
    for i in range(alerts):
        officer, unit = (officer_b, commune_b) if i % 2 else (officer_a, commune_a)
        notify(recipients=[officer], title=f"Khẩn {i}", key=f"deadline:{i}:due_soon", kind=AlertKind.DUE_SOON,
               urgent=True, unit=unit, ref=f"HS-{i:06d}")  # fmt: skip
    clock.move_to(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=61))
    ContentType.objects.get_for_model(Notification)  # read once per process, as every audit entry's

    with django_assert_num_queries(ESCALATION_QUERIES):
        result = escalations_scan()

    assert (result.claimed, result.escalated, result.notifications) == (alerts, alerts, alerts)
    assert Notification.objects.filter(escalated_from__isnull=False).count() == alerts
    with django_assert_num_queries(3):  # nothing left to escalate: the one read, in its savepoint
        assert escalations_scan().notifications == 0
