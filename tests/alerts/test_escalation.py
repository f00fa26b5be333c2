"""Urgent alerts nobody reads or opens go up their commune's chain (docs/alerts.md#escalation): officer → chair →
supervisor, each step once, however often (or however concurrently) the scan runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cases.escalation import escalations_scan
from childprotect.alerts.models import AlertKind
from childprotect.alerts.services import notification_open
from childprotect.audit.actions import AlertAction
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from childprotect.core.services import notification_mark_read, notify
from childprotect.schedule import BEAT_SCHEDULE
from tests.factories import UserFactory
from tests.support.clock import NOW
from tests.support.concurrency import race, race_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

LATER = dt.timedelta(minutes=61)  # past CHILDPROTECT_ALERT_ESCALATE_MINUTES (60)
DUE = NOW + dt.timedelta(hours=3)


def alert(user, unit, *, urgent: bool = True, key: str = "deadline:7:due_soon") -> Notification:
    (n,) = notify(recipients=[user], title="Sắp đến hạn: đánh giá ban đầu – hồ sơ HS-000007", body="Hạn 12:00.",
                  url="/cases/7/", key=key, kind=AlertKind.DUE_SOON, urgent=urgent, unit=unit, ref="HS-000007",
                  what="Đánh giá nguy cơ ban đầu", due_at=DUE)  # fmt: skip
    return n


def copies(source: Notification) -> list[Notification]:
    return list(Notification.objects.filter(escalated_from=source))


def up(clock, minutes: dt.timedelta = LATER) -> None:
    clock.move_to(dt.datetime.now(tz=dt.UTC) + minutes)


def test_officer_then_chair_then_supervisor_each_once(officer_a, chair_a, supervisor, commune_a, clock):
    source = alert(officer_a, commune_a)
    escalations_scan()
    assert copies(source) == []  # not yet: the hour is not over

    up(clock)
    escalations_scan()
    escalations_scan()
    (to_chair,) = copies(source)
    assert to_chair.recipient == chair_a
    assert (to_chair.kind, to_chair.urgent, to_chair.unit_id, to_chair.ref, to_chair.what, to_chair.due_at) == (
        AlertKind.DUE_SOON, True, commune_a.pk, "HS-000007", "Đánh giá nguy cơ ban đầu", DUE)  # fmt: skip
    assert to_chair.key == "deadline:7:due_soon:up" and to_chair.url == source.url
    source.refresh_from_db()
    assert source.escalated_at is not None

    up(clock)
    escalations_scan()
    escalations_scan()
    (to_supervisor,) = copies(to_chair)
    assert to_supervisor.recipient == supervisor and to_supervisor.key == "deadline:7:due_soon:up"

    up(clock)
    assert escalations_scan().notifications == 0  # supervisors are the top
    assert Notification.objects.filter(escalated_from__isnull=False).count() == 2
    entries = AuditEntry.objects.filter(action=AlertAction.ESCALATED).order_by("id")
    assert [(e.actor, e.object_id, e.changes["to"]) for e in entries] == [
        (None, str(source.pk), [chair_a.pk]),
        (None, str(to_chair.pk), [supervisor.pk]),
    ]


def test_a_partners_urgent_referral_goes_to_the_communes_chairs(police, chair_a, commune_a, clock):
    source = alert(police, commune_a, key="referral:3:sent")
    up(clock)
    escalations_scan()
    assert [n.recipient for n in copies(source)] == [chair_a]


@pytest.mark.parametrize("how", ["read", "opened"])
def test_reading_it_in_the_bell_or_following_its_link_stops_it(officer_a, chair_a, commune_a, clock, how):
    source = alert(officer_a, commune_a)
    if how == "read":
        notification_mark_read(actor=officer_a, notification=source)
    else:
        notification_open(source.pk)
    up(clock)
    escalations_scan()
    assert copies(source) == []


def test_an_alert_that_is_not_urgent_never_goes_up(officer_a, chair_a, commune_a, clock):
    source = alert(officer_a, commune_a, urgent=False)
    up(clock, dt.timedelta(days=3))
    escalations_scan()
    assert copies(source) == []


def test_an_alert_of_no_commune_goes_nowhere(officer_a, chair_a, clock):
    source = alert(officer_a, None)
    up(clock)
    escalations_scan()
    assert copies(source) == []


def test_an_inactive_chair_is_passed_over_for_the_supervisors(officer_a, chair_a, supervisor, commune_a, clock):
    chair_a.is_active = False
    chair_a.save(update_fields=["is_active"])
    source = alert(officer_a, commune_a)
    up(clock)
    escalations_scan()
    assert [n.recipient for n in copies(source)] == [supervisor]


def test_a_chair_who_had_the_same_event_is_not_told_again_and_it_goes_no_further(
    officer_a, chair_a, supervisor, commune_a, clock
):
    second_chair = UserFactory(username="chair_a2", role=chair_a.role, unit=commune_a)
    source = alert(officer_a, commune_a)
    direct = alert(chair_a, commune_a)  # the chair had it too (an overdue emergency reaches both)
    notification_mark_read(actor=chair_a, notification=direct)
    up(clock)
    escalations_scan()
    assert [n.recipient for n in copies(source)] == [second_chair]

    only = alert(officer_a, commune_a, key="deadline:8:overdue")
    for chair in (chair_a, second_chair):
        notification_open(alert(chair, commune_a, key="deadline:8:overdue").pk)  # every chair has it, opened
    up(clock)
    escalations_scan()
    assert copies(only) == []  # the chairs have it in hand: no supervisor is woken


def test_two_officers_copies_of_one_event_reach_the_chair_once(officer_a, chair_a, commune_a, clock):
    other = UserFactory(username="officer_a2", role=officer_a.role, unit=commune_a)
    first, second = alert(officer_a, commune_a), alert(other, commune_a)
    up(clock)
    escalations_scan()
    assert Notification.objects.filter(recipient=chair_a, key="deadline:7:due_soon:up").count() == 1
    assert len(copies(first)) + len(copies(second)) == 1


def test_the_scan_runs_every_few_minutes():
    entry = next(e for e in BEAT_SCHEDULE.values() if e["task"] == "cases.tasks.escalate_alerts")
    assert len(entry["schedule"].minute) >= 12  # at least every 5 minutes


@race_db
def test_two_scans_at_once_escalate_each_step_once(officer_a, chair_a, supervisor, commune_a, clock):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the race is PostgreSQL's")
    sources = [alert(officer_a, commune_a, key=f"deadline:{i}:due_soon") for i in range(5)]
    up(clock)
    results = race(escalations_scan, escalations_scan)
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(r.notifications for r in results) == 5
    for source in sources:
        assert [n.recipient for n in copies(source)] == [chair_a]
    assert AuditEntry.objects.filter(action=AlertAction.ESCALATED).count() == 5


def test_a_scan_goes_through_every_batch(officer_a, chair_a, commune_a, clock):
    for i in range(5):
        alert(officer_a, commune_a, key=f"deadline:{i}:due_soon")
    up(clock)
    result = escalations_scan(limit=2)
    assert (result.claimed, result.notifications) == (5, 5)
