"""Notification e-mails go through the outbox (childprotect/alerts) and survive a broker outage: each is a Delivery
row, claimed atomically before it is sent, and a periodic sweep sends what the queued task never did, exactly once.

The broker here is real and unreachable (Redis on a closed port), not a mock; concurrency is two real threads, each
with its own database connection.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from childprotect.alerts.models import Delivery, DeliveryStatus
from childprotect.alerts.tasks import send_delivery, sweep_deliveries
from childprotect.celery import app
from childprotect.core.services import notify
from childprotect.schedule import BEAT_SCHEDULE


def email_of(notification) -> Delivery:
    return Delivery.objects.get(notification=notification, channel="email")


def sweep_unsent_emails() -> int:
    return sweep_deliveries()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


@pytest.fixture
def dead_broker():
    """The application publishes to Redis on a port nothing listens to; tasks are published, not run eagerly. The
    write URL, not broker_url: Celery prefers the CELERY_BROKER_URL environment variable (CI's Redis run) to
    broker_url in its configuration, but takes broker_write_url from the configuration first."""
    before = app.conf.get("broker_write_url"), app.conf.task_always_eager
    app.conf.update(broker_write_url=f"redis://127.0.0.1:{_closed_port()}/5", task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(broker_write_url=before[0], task_always_eager=before[1])
        app._pool = None
        app.amqp._producer_pool = None


class SlowBackend(EmailBackend):
    """The SMTP server takes its time: long enough for a second sweep to try the same notification."""

    def send_messages(self, messages):
        time.sleep(0.5)
        return super().send_messages(messages)


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.django_db
def test_a_notification_made_while_the_broker_is_down_is_mailed_once_by_the_sweep(
    dead_broker, officer_a_mailed, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    began = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # .delay() to the dead broker: must not raise
        (notification,) = notify(recipients=[officer_a_mailed], title="Quá hạn: đánh giá ban đầu", key="d1:overdue")
    # Not held up by a dead broker: the publish gives up after its short retries (settings), not a TCP timeout.
    assert time.monotonic() - began < 20
    delivery = email_of(notification)
    assert (delivery.status, delivery.address) == (DeliveryStatus.PENDING, "canbo.hacthanh@example.vn")
    assert mail.outbox == []

    assert sweep_unsent_emails() == 0  # younger than a minute: the queued task may still come
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert sweep_unsent_emails() == 1
        assert sweep_unsent_emails() == 0
    assert [m.subject for m in mail.outbox] == ["[Bảo vệ trẻ em] Quá hạn: đánh giá ban đầu"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None and delivery.attempts == 1
    assert delivery.provider == "smtp" and delivery.provider_id.startswith("<")


@pytest.mark.django_db
def test_the_task_and_the_sweep_never_both_send(officer_a_mailed):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    mail.outbox.clear()
    delivery = email_of(notification)
    assert send_delivery(delivery.pk) == DeliveryStatus.SENT
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert sweep_unsent_emails() == 0
    assert send_delivery(delivery.pk) == ""  # already sent: not this sender's
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_notification_being_sent_is_left_to_its_sender_until_the_claim_is_stale(officer_a_mailed, settings):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    Delivery.objects.filter(notification=notification).update(status="sending", claimed_at=timezone.now())  # at work
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert sweep_unsent_emails() == 0
    stale = settings.CHILDPROTECT_ALERT_CLAIM_MINUTES + 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=stale)):
        assert sweep_unsent_emails() == 1  # the sender died mid-way: the claim ran out
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failing_smtp_server_leaves_it_unsent_for_the_next_sweep(officer_a_mailed, settings):
    (notification,) = notify(recipients=[officer_a_mailed], title="Quá hạn: rà soát")
    mail.outbox.clear()
    later = timezone.now() + dt.timedelta(minutes=2)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with time_machine.travel(later):
        assert sweep_unsent_emails() == 0  # no exception escapes: the sweep runs again in a few minutes
    delivery = email_of(notification)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (DeliveryStatus.PENDING, 1, None)
    assert "Connection unexpectedly closed" in delivery.error
    assert delivery.next_attempt_at > later  # retried after a backoff

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(later + dt.timedelta(seconds=10)):
        assert sweep_unsent_emails() == 0  # its backoff (30 s after a first failure) is not over
    with time_machine.travel(later + dt.timedelta(minutes=5)):
        assert sweep_unsent_emails() == 1
        assert sweep_unsent_emails() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_recipient_without_an_email_address_is_not_swept_forever(officer_a_mailed):
    officer_a_mailed.email = ""
    officer_a_mailed.save(update_fields=["email"])
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    assert not Delivery.objects.filter(notification=notification).exists()  # the bell only
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert sweep_unsent_emails() == 0


def test_the_sweep_is_scheduled_every_few_minutes():
    entry = BEAT_SCHEDULE["sweep-deliveries"]
    assert entry["task"] == "childprotect.alerts.tasks.sweep_deliveries"
    assert entry["schedule"].minute == set(range(60))


@pytest.mark.django_db
def test_an_inactive_recipient_is_not_mailed_and_its_message_is_cancelled(officer_a_mailed):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    officer_a_mailed.is_active = False
    officer_a_mailed.save(update_fields=["is_active"])
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert sweep_unsent_emails() == 0
        assert sweep_unsent_emails() == 0
    assert email_of(notification).status == DeliveryStatus.CANCELLED
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_given_up_after_the_attempts_allowed(officer_a_mailed, settings):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    settings.CHILDPROTECT_ALERT_MAX_ATTEMPTS = 3
    when = timezone.now()
    for _ in range(3):
        when += dt.timedelta(hours=2)
        with time_machine.travel(when):
            sweep_unsent_emails()
    delivery = email_of(notification)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    with time_machine.travel(when + dt.timedelta(hours=2)):
        assert sweep_unsent_emails() == 0
    assert email_of(notification).attempts == 3


# Last in the module: a transactional test empties the tables the tests above rely on (put back at the module's end).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_sweeps_send_once(data_put_back, officer_a_mailed, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    notifications = notify(recipients=[officer_a_mailed], title="Quá hạn: kế hoạch")
    assert len(notifications) == 1
    mail.outbox.clear()
    later = timezone.now() + dt.timedelta(minutes=2)
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def sweep() -> None:
        from django.db import connections

        try:
            with time_machine.travel(later, tick=True):
                barrier.wait()
                sent.append(sweep_unsent_emails())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(sent) == [0, 1]
    assert len(mail.outbox) == 1
