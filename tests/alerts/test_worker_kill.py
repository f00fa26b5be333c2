"""Exactly once per (notification, channel) with real workers killed, tasks lost and two senders at once
(docs/alerts.md#tested-killed-workers-and-lost-tasks).

Everything here is real but the provider: Celery workers are OS processes of their own (`celery worker --pool=solo`)
on this process's test database and the configured broker (the filesystem transport; Redis in CI's second run), killed
with SIGKILL; the provider is an HTTP server in this process (tests/support/http_provider.py) that deduplicates by
request id as real providers do, and can hang before answering so that its sender dies with the message taken and
the answer not yet read; the e-mail server is a small SMTP server in this process. "Time passes" by moving a dead
sender's claim back by CHILDPROTECT_ALERT_CLAIM_MINUTES: the database is the only clock the senders compare.

The tests are transactional (a worker reads only committed rows) and use neither the frozen clock nor eager Celery:
the workers run on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from childprotect.accounts.models import Role
from childprotect.alerts.channels.registry import adapter
from childprotect.alerts.models import AlertKind, AlertPreference, AlertProfile, Delivery, DeliveryStatus
from childprotect.alerts.tasks import send_delivery, sweep_deliveries
from childprotect.core.services import notify
from tests.factories import UserFactory
from tests.support.http_provider import PROVIDER, ProviderServer
from tests.support.smtp_server import SmtpServer
from tests.support.worker_process import WorkerProcess, broker_down, private_queue, wait_for

SEND = "childprotect.alerts.tasks.send_delivery"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("data_put_back"),
]

StartWorkers = Callable[..., tuple[WorkerProcess, ...]]


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue() as name:
        yield name


@pytest.fixture
def start_workers(queue: str, tmp_path: Path, transactional_db: None) -> Iterator[StartWorkers]:
    """Start workers on the test's queue, all at once, and wait until each is ready; every one still running is
    stopped after the test."""
    started: list[WorkerProcess] = []

    def start(*names: str, settings: dict[str, str]) -> tuple[WorkerProcess, ...]:
        workers = tuple(WorkerProcess(queue, tmp_path / f"{name}.log", settings) for name in names)
        started.extend(workers)
        for worker in workers:
            worker.wait_ready()
        return workers

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


@pytest.fixture
def sms_settings(provider: ProviderServer, settings) -> Iterator[dict[str, str]]:
    """SMS by the test provider, here (deliveries are planned for it) and in the workers (the returned variables)."""
    worker_settings = {
        "CHILDPROTECT_ALERT_EXTRA_ADAPTERS": "tests.support.http_provider",
        "CHILDPROTECT_SMS_PROVIDER": PROVIDER,
        "CHILDPROTECT_SMS_API_URL": provider.url,
    }
    settings.CHILDPROTECT_ALERT_EXTRA_ADAPTERS = ["tests.support.http_provider"]
    settings.CHILDPROTECT_SMS_PROVIDER = PROVIDER
    settings.CHILDPROTECT_SMS_API_URL = provider.url
    adapter.cache_clear()
    yield worker_settings
    adapter.cache_clear()


@pytest.fixture
def by_sms(db):
    """Someone with a verified phone, no e-mail address, who chose SMS for overdue alerts. An administrator: a
    person with no unit (a transactional test empties the units the session loaded)."""
    person = UserFactory(role=Role.ADMIN, unit=None)
    AlertProfile.objects.create(user=person, phone="+84912345678", phone_verified_at=timezone.now())
    AlertPreference.objects.create(user=person, kind=AlertKind.OVERDUE, sms=True)
    return person


def overdue(recipient) -> Delivery:
    """An overdue alert for `recipient`; its one message (queued on commit: the notification is committed here)."""
    (notification,) = notify(recipients=[recipient], title="Quá hạn: đánh giá ban đầu", kind="overdue",
                             ref="BV-2026-0042")  # fmt: skip
    return Delivery.objects.get(notification=notification)


def sweep(*workers: WorkerProcess) -> str:
    """Queue one sweep and wait for one of the workers to run it: what it returned ("1": one message sent)."""
    task_id = sweep_deliveries.apply_async().id
    return finished(task_id, *workers)


def finished(task_id: str, *workers: WorkerProcess) -> str:
    assert wait_for(lambda: any(w.result(task_id) is not None for w in workers)), "no worker ran the task"
    return next(r for w in workers if (r := w.result(task_id)) is not None)


def the_sender(workers: tuple[WorkerProcess, ...]) -> tuple[WorkerProcess, WorkerProcess]:
    """Of two workers, the one that took the message's task, and the other."""
    took = [w.received(SEND) for w in workers]
    assert took.count(True) == 1, "one worker took the task"
    sender = workers[took.index(True)]
    return sender, next(w for w in workers if w is not sender)


def time_passes_for_the_claim(delivery: Delivery) -> None:
    """The dead sender's claim is as old as CHILDPROTECT_ALERT_CLAIM_MINUTES and a second (the workers' setting too)."""
    delivery.refresh_from_db()
    assert delivery.claimed_at is not None
    ago = dt.timedelta(minutes=settings.CHILDPROTECT_ALERT_CLAIM_MINUTES, seconds=1)
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=delivery.claimed_at - ago)


def test_a_worker_killed_while_the_provider_holds_the_message_leaves_it_to_the_sweep_which_sends_it_once(
    start_workers, provider, sms_settings, by_sms
):
    provider.hang_first = True
    workers = start_workers("one", "two", settings=sms_settings)
    sms = overdue(by_sms)  # its task goes to the broker; a worker takes it, the provider takes the message
    assert sms.channel == "sms"
    assert provider.got_request.wait(30), "no worker sent"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENDING, 1)

    sender, second = the_sender(workers)
    sender.kill()  # before the provider's answer
    provider.release.set()
    assert sweep(second) == "0"  # the claim is fresh: its sender may still be at work
    time_passes_for_the_claim(sms)
    assert sweep(second) == "1"
    assert sweep(second) == "0"

    key = f"cp-{sms.pk}"
    assert [r["request_id"] for r in provider.requests] == [key, key]  # sent again with the same request id…
    assert provider.messages == {key: "msg-1"}  # …so the provider sent one message
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.provider, sms.provider_id) == (DeliveryStatus.SENT, 2, PROVIDER, "msg-1")
    assert sms.error == "" and sms.sent_at is not None


def test_a_message_whose_task_was_lost_with_the_broker_is_sent_once_by_a_worker_s_sweep(
    start_workers, provider, sms_settings, by_sms
):
    with broker_down():
        sms = overdue(by_sms)  # its task is not queued: nothing is raised, the row waits
    assert (sms.status, sms.attempts) == (DeliveryStatus.PENDING, 0)

    (worker,) = start_workers("worker", settings=sms_settings)
    assert sweep(worker) == "1"
    assert sweep(worker) == "0"
    late = send_delivery.apply_async((sms.pk,)).id  # the lost task turns up after all: not its to send
    assert finished(late, worker) == "''"

    assert provider.messages == {f"cp-{sms.pk}": "msg-1"} and len(provider.requests) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.provider_id) == (DeliveryStatus.SENT, 1, "msg-1")


def test_two_workers_sweeping_at_once_and_a_duplicate_task_send_it_once(start_workers, provider, sms_settings, by_sms):
    provider.hang_first = True
    with broker_down():
        sms = overdue(by_sms)
    workers = start_workers("one", "two", settings=sms_settings)

    sending = sweep_deliveries.apply_async().id  # one worker claims it and waits for the provider's answer
    assert provider.got_request.wait(30), "no worker sent"
    meanwhile = sweep_deliveries.apply_async().id
    assert finished(meanwhile, *workers) == "0"  # the other worker's sweep: claimed, not its to send
    duplicate = send_delivery.apply_async((sms.pk,)).id
    assert finished(duplicate, *workers) == "''"
    provider.release.set()
    assert finished(sending, *workers) == "1"
    # Two processes at once, not one after the other: the sweep that found it claimed ran on the other worker.
    (sender,) = [w for w in workers if w.result(sending) is not None]
    (other,) = [w for w in workers if w.result(meanwhile) is not None]
    assert sender is not other

    assert provider.messages == {f"cp-{sms.pk}": "msg-1"} and len(provider.requests) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (DeliveryStatus.SENT, 1)


def test_an_email_the_server_took_before_its_worker_died_is_sent_twice_the_window_smtp_leaves(start_workers):
    """SMTP has no request id to deduplicate by: a worker killed after the server took the message and before its
    "250" was read leaves the message unrecorded, and the sweep sends it again (docs/alerts.md#exactly-once)."""
    person = UserFactory(role=Role.ADMIN, unit=None, email="canbo@example.vn")  # no phone: e-mail only
    with SmtpServer(hang_first=True) as smtp:
        mail_settings = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
        }
        workers = start_workers("one", "two", settings=mail_settings)
        email = overdue(person)
        assert email.channel == "email"
        assert smtp.got_message.wait(30), "no worker sent"
        sender, second = the_sender(workers)
        sender.kill()
        smtp.release.set()

        time_passes_for_the_claim(email)
        assert sweep(second) == "1"
        assert sweep(second) == "0"
        assert len(smtp.messages) == 2  # twice: the one window exactly-once does not close for e-mail
        ids = [re.search(rb"Message-ID: <(.+)>", m).group(1) for m in smtp.messages]  # type: ignore[union-attr]
        assert all(b"To: canbo@example.vn" in m for m in smtp.messages)
        assert ids[0] != ids[1] and all(f".cp-{email.pk}@".encode() in i for i in ids)  # two messages to the reader
    email.refresh_from_db()
    assert (email.status, email.attempts, email.provider) == (DeliveryStatus.SENT, 2, "smtp")
