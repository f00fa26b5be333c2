"""Heartbeats, the alarm conditions and the alarms' e-mails, on the frozen clock
(docs/architecture.md#health-heartbeats-and-alarms). The broker's queues are measured on the configured broker (the
filesystem transport, or Redis in CI's second pass), on a queue of the test's own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.tasks import scan_deadlines
from childprotect.accounts.models import Role
from childprotect.audit.actions import HealthAction
from childprotect.audit.models import AuditEntry
from childprotect.celery import app
from childprotect.health.models import Alarm, AlarmKind, Component, Heartbeat
from childprotect.health.selectors import health_problems, health_problems_for, queue_keeps_growing
from childprotect.health.services import (
    alarms_check,
    beat_heartbeat_record,
    health_tick,
    heartbeat_record,
    heartbeats_prune,
    queues_sample,
    scan_run_record,
)
from childprotect.schedule import BEAT_SCHEDULE
from tests.factories import UserFactory
from tests.support.clock import NOW
from tests.support.concurrency import race, race_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def admin_mailed():
    return UserFactory(username="quantri", role=Role.ADMIN, unit=None, email="quantri@example.vn")


def kinds() -> list[str]:
    return [p.kind for p in health_problems()]


# --- heartbeats --------------------------------------------------------------------------------------------------


def test_a_heartbeat_is_one_row_per_component_updated_in_place(clock):
    heartbeat_record(kind=Component.WORKER, name="jobs@web1", details={"queues": ["celery"]})
    clock.shift(MINUTE)
    heartbeat_record(kind=Component.WORKER, name="jobs@web1", details={"queues": ["celery"]})
    beat_heartbeat_record()
    beat_heartbeat_record()

    (worker,) = Heartbeat.objects.filter(kind=Component.WORKER)
    assert worker.first_seen == NOW and worker.last_seen == NOW + MINUTE
    assert Heartbeat.objects.filter(kind=Component.BEAT).count() == 1


def test_the_deadline_scan_task_records_its_run():
    result = scan_deadlines.delay().get()

    scan = Heartbeat.objects.get(kind=Component.SCAN, name="deadlines")
    assert scan.last_seen == NOW and scan.details == result


def test_beat_beats_every_minute_from_the_one_schedule():
    assert BEAT_SCHEDULE["beat-heartbeat"]["task"] == "childprotect.health.tasks.beat_heartbeat"
    assert str(BEAT_SCHEDULE["beat-heartbeat"]["schedule"]._orig_minute) == "*"


def test_workers_not_seen_for_a_week_are_forgotten_the_others_kept(clock, settings):
    heartbeat_record(kind=Component.WORKER, name="jobs@old-container")
    beat_heartbeat_record()
    clock.shift(dt.timedelta(days=settings.CHILDPROTECT_HEARTBEAT_KEEP_DAYS, minutes=1))
    heartbeat_record(kind=Component.WORKER, name="jobs@new-container")

    assert heartbeats_prune() == 1
    assert set(Heartbeat.objects.values_list("name", flat=True)) == {"jobs@new-container", "beat"}


# --- the conditions ----------------------------------------------------------------------------------------------


def test_a_system_that_never_ran_a_worker_has_no_alarm():
    assert health_problems() == []


def test_the_scan_is_stale_after_its_minutes_and_says_since_when(clock, settings):
    scan_run_record({"due_soon": 0})
    clock.shift(dt.timedelta(minutes=settings.CHILDPROTECT_SCAN_STALE_MINUTES) - MINUTE)
    assert kinds() == []

    clock.shift(2 * MINUTE)
    (problem,) = health_problems()
    assert problem.kind == AlarmKind.SCAN_STALE and problem.since == NOW
    assert problem.message().startswith("Lịch quét thời hạn đã dừng từ 09:00 20/11/2026: nhắc hạn")

    scan_run_record({"due_soon": 0})  # it runs again: over
    assert kinds() == []


def test_a_scan_that_never_ran_is_stale_once_the_system_has_run_that_long(clock, settings):
    heartbeat_record(kind=Component.WORKER, name="jobs@web1")
    clock.shift(dt.timedelta(minutes=settings.CHILDPROTECT_SCAN_STALE_MINUTES) - MINUTE)
    heartbeat_record(kind=Component.WORKER, name="jobs@web1")
    assert kinds() == []

    clock.shift(2 * MINUTE)
    heartbeat_record(kind=Component.WORKER, name="jobs@web1")
    (problem,) = health_problems()
    assert problem.kind == AlarmKind.SCAN_STALE and problem.since is None
    assert "chưa chạy lần nào" in problem.message()


def test_no_live_worker_when_the_last_one_was_seen_too_long_ago(clock, settings):
    scan_run_record({})
    heartbeat_record(kind=Component.WORKER, name="jobs@web1")
    heartbeat_record(kind=Component.WORKER, name="messages@web1")
    clock.shift(dt.timedelta(minutes=settings.CHILDPROTECT_WORKER_STALE_MINUTES) + MINUTE)
    scan_run_record({})
    assert kinds() == [AlarmKind.NO_WORKER]

    heartbeat_record(kind=Component.WORKER, name="messages@web1")  # one is back
    assert kinds() == []


@pytest.mark.parametrize(
    ("lengths", "growing"),
    [
        ([100, 120, 150, 151, 200], True),
        ([1, 2, 3, 4, 5], False),  # growing, but below the threshold
        ([100, 120, 150, 200], False),  # too few samples
        ([100, 120, 120, 151, 200], False),  # steady once: the workers kept up for a while
        ([500, 400, 300, 200, 150], False),  # long but worked off
        ([3, 100, 120, 150, 151, 200], True),  # the last samples decide
    ],
)
def test_a_queue_keeps_growing_only_when_each_sample_grew_above_the_threshold(lengths, growing):
    assert queue_keeps_growing(lengths) is growing


@pytest.fixture
def own_queue(settings) -> Iterator[str]:
    """A queue of the test's own on the configured broker, measured alone; emptied afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    settings.CHILDPROTECT_HEALTH_QUEUES = [name]
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    broker = app.connection_for_write(settings.CELERY_BROKER_URL, transport_options=options)
    yield name  # the test may point the settings at a dead broker: the queue is emptied on the one it was made on
    with broker:
        broker.default_channel.queue_purge(name)


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task publishes: what is wanted
def test_the_broker_queue_is_sampled_once_per_interval_and_its_growth_is_an_alarm(clock, settings, own_queue):
    settings.CHILDPROTECT_QUEUE_GROWTH_THRESHOLD = 4
    settings.CHILDPROTECT_QUEUE_GROWTH_SAMPLES = 3
    every = dt.timedelta(seconds=settings.CHILDPROTECT_QUEUE_SAMPLE_SECONDS)

    samples = []
    for _ in range(4):
        samples.append(queues_sample())
        assert queues_sample() is None  # not due again yet
        for _ in range(2):
            app.send_task("tests.nothing", queue=own_queue)  # real messages on the real broker; nobody takes them
        clock.shift(every)
    assert samples == [{own_queue: n} for n in (0, 2, 4, 6)]
    assert Heartbeat.objects.get(kind=Component.QUEUE, name=own_queue).details == {"lengths": [2, 4, 6]}
    assert kinds() == [AlarmKind.QUEUE_GROWING]
    assert own_queue in health_problems()[0].message()


def test_a_broker_that_does_not_answer_leaves_the_samples_alone(clock, settings, own_queue):
    queues_sample()
    clock.shift(dt.timedelta(seconds=settings.CHILDPROTECT_QUEUE_SAMPLE_SECONDS))
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    assert queues_sample() is None
    assert Heartbeat.objects.get(kind=Component.QUEUE, name=own_queue).details == {"lengths": [0]}


# --- the alarms --------------------------------------------------------------------------------------------------


def stop_the_scan(clock, settings) -> None:
    scan_run_record({})
    clock.shift(dt.timedelta(minutes=settings.CHILDPROTECT_SCAN_STALE_MINUTES + 1))


def test_an_incident_is_one_alarm_and_one_email_to_the_administrators_however_often_it_is_checked(
    clock, settings, admin_mailed, officer_a, supervisor
):
    officer_a.email, supervisor.email = "canbo@example.vn", "giamsat@example.vn"
    officer_a.save()
    supervisor.save()
    UserFactory(role=Role.ADMIN, unit=None, email="nghiviec@example.vn", is_active=False)
    stop_the_scan(clock, settings)

    for _ in range(3):
        (alarm,) = alarms_check()
        clock.shift(MINUTE)

    assert alarm.kind == AlarmKind.SCAN_STALE and alarm.notified_at is not None
    (email,) = mail.outbox
    assert email.to == ["quantri@example.vn"]
    assert "Lịch quét thời hạn đã dừng từ 09:00 20/11/2026" in email.body
    assert AuditEntry.objects.filter(action=HealthAction.ALARM_OPEN).count() == 1


def test_the_technical_administrators_of_admins_are_mailed_too(clock, settings, admin_mailed):
    settings.ADMINS = [("Kỹ thuật", "kythuat@example.vn")]
    stop_the_scan(clock, settings)

    alarms_check()

    (email,) = mail.outbox
    assert email.to == ["kythuat@example.vn", "quantri@example.vn"]


def test_when_the_incident_clears_the_alarm_closes_and_one_more_email_says_so(clock, settings, admin_mailed):
    stop_the_scan(clock, settings)
    alarms_check()

    scan_run_record({})
    assert alarms_check() == []
    alarms_check()

    alarm = Alarm.objects.get()
    assert alarm.closed_at == timezone.now() and alarm.resolved_notified_at is not None
    assert [m.subject for m in mail.outbox] == [
        "[Bảo vệ trẻ em] Sự cố hệ thống: Lịch quét thời hạn đã dừng",
        "[Bảo vệ trẻ em] Đã hết sự cố: Lịch quét thời hạn đã dừng",
    ]
    assert AuditEntry.objects.filter(action=HealthAction.ALARM_CLOSE).count() == 1

    stop_the_scan(clock, settings)  # a new incident: a new alarm, a new e-mail
    alarms_check()
    assert Alarm.objects.count() == 2 and len(mail.outbox) == 3


def test_an_email_the_mail_server_refused_is_sent_at_the_next_check(clock, settings, admin_mailed):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    stop_the_scan(clock, settings)

    (alarm,) = alarms_check()
    assert alarm.notified_at is None  # the claim was given back

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alarms_check()
    assert len(mail.outbox) == 1 and Alarm.objects.get().notified_at is not None


def test_one_open_alarm_per_kind_is_kept_by_the_database(clock):
    Alarm.objects.create(kind=AlarmKind.SCAN_STALE, opened_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Alarm.objects.create(kind=AlarmKind.SCAN_STALE, opened_at=timezone.now())


@race_db
@pytest.mark.usefixtures("data_put_back")
def test_workers_checking_at_once_open_one_alarm_and_send_one_email(clock, settings, admin_mailed):
    stop_the_scan(clock, settings)

    results = race(alarms_check, alarms_check, alarms_check)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Alarm.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action=HealthAction.ALARM_OPEN).count() == 1


def test_a_workers_tick_beats_samples_and_raises_the_alarm(clock, settings, admin_mailed, own_queue):
    stop_the_scan(clock, settings)

    health_tick("jobs@web1", ["celery"])

    worker = Heartbeat.objects.get(kind=Component.WORKER)
    assert (worker.name, worker.details) == ("jobs@web1", {"queues": ["celery"]})
    assert Heartbeat.objects.get(kind=Component.QUEUE).details == {"lengths": [0]}
    assert Alarm.objects.get().kind == AlarmKind.SCAN_STALE and len(mail.outbox) == 1


def test_only_administrators_and_supervisors_are_shown_the_problems(
    clock, settings, administrator, supervisor, officer_a, chair_a
):
    stop_the_scan(clock, settings)
    assert [p.kind for p in health_problems_for(administrator)] == [AlarmKind.SCAN_STALE]
    assert [p.kind for p in health_problems_for(supervisor)] == [AlarmKind.SCAN_STALE]
    assert health_problems_for(officer_a) == [] and health_problems_for(chair_a) == []
