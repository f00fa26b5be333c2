"""Celery survives a broker outage and killed workers without losing work
(docs/architecture.md#broker-outages-and-killed-workers).

Everything is real: a Redis server of the test's own (tests/support/redis_server.py), stopped with SIGKILL and started
again on the same port; Celery workers in OS processes of their own (tests/support/worker_process.py) running a
test-only idempotent task (tests/support/broker_tasks.py) whose every start and every piece of work is counted in a
folder. These run in both CI passes: they bring their own Redis whatever CELERY_BROKER_URL says.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from cases.models import Reminder, ReminderKind
from cases.services import deadlines_scan
from childprotect.alerts.models import Delivery, DeliveryStatus
from childprotect.core.models import Notification
from tests.support.broker_tasks import RECORD, starts, work
from tests.support.builders import overdue_emergency
from tests.support.redis_server import RedisServer
from tests.support.smtp_server import SmtpServer
from tests.support.worker_process import WorkerProcess, publishing_to, wait_for

INCLUDE = "tests.support.broker_tasks"
NOTHING_NEW = "{'due_soon': 0, 'overdue': 0, 'notifications': 0}"
QUEUES = "celery,messages"  # the project's tasks on the test's own Redis: the default queue and the messages' one


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def publisher(redis: RedisServer) -> Iterator[Celery]:
    """Publishes to the test's Redis (this process's own app may be on the filesystem transport)."""
    probe = probe_for(redis)
    yield probe
    probe.close()


def probe_for(redis: RedisServer) -> Celery:
    """A Celery app that publishes to `redis`: its write URL, since Celery prefers the CELERY_BROKER_URL environment
    variable (CI's Redis pass) to a broker URL given in its configuration."""
    probe = Celery("probe", set_as_current=False)
    probe.conf.update(broker_write_url=redis.url, task_serializer="json", broker_connection_timeout=2)
    return probe


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def start_worker(
    workers: list[WorkerProcess], redis: RedisServer, queue: str, log: Path, pool: str, **settings: str
) -> WorkerProcess:
    worker = WorkerProcess(queue, log, {"CELERY_BROKER_URL": redis.url, **settings}, pool=pool, include=INCLUDE)
    workers.append(worker)
    worker.wait_ready()
    return worker


def send(publisher: Celery, queue: str, folder: Path, key: str, first_nap: float) -> None:
    publisher.send_task(RECORD, (str(folder), key, first_nap), queue=queue)


def test_a_worker_reconnects_after_the_broker_was_down_and_goes_on_working(
    redis: RedisServer, publisher: Celery, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = start_worker(workers, redis, queue, tmp_path / "worker.log", "prefork")
    send(publisher, queue, tmp_path, "during", first_nap=2)
    assert wait_for(lambda: starts(tmp_path, "during"), 30), worker.text()

    redis.stop()  # mid-task: the task goes on, its acknowledgement is lost with the connection
    time.sleep(6)
    assert worker.process.poll() is None, worker.text()
    redis.start()

    send(publisher, queue, tmp_path, "after", first_nap=0)
    assert wait_for(lambda: "after" in work(tmp_path), 60), worker.text()
    assert sorted(work(tmp_path)) == ["after", "during"]  # the task that ran through the outage finished, once
    assert worker.process.poll() is None
    assert "Unrecoverable error" not in worker.text()


def test_a_task_whose_pool_process_is_killed_is_redelivered_and_done_once(
    redis: RedisServer, publisher: Celery, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = start_worker(workers, redis, queue, tmp_path / "worker.log", "prefork")
    send(publisher, queue, tmp_path, "job", first_nap=120)
    assert wait_for(lambda: starts(tmp_path, "job"), 30), worker.text()

    (child,) = starts(tmp_path, "job")
    assert child != worker.process.pid
    os.kill(child, signal.SIGKILL)  # the OOM killer takes the pool process, not the worker

    assert wait_for(lambda: work(tmp_path) == ["job"], 30), worker.text()
    assert len(starts(tmp_path, "job")) == 2
    time.sleep(0.5)
    assert work(tmp_path) == ["job"]
    assert worker.process.poll() is None


def test_a_task_of_a_worker_killed_whole_goes_to_another_worker_after_the_visibility_timeout(
    redis: RedisServer, publisher: Celery, workers: list[WorkerProcess], tmp_path: Path
) -> None:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    timeout = {"CHILDPROTECT_BROKER_VISIBILITY_TIMEOUT": "2"}
    first = start_worker(workers, redis, queue, tmp_path / "first.log", "solo", **timeout)
    send(publisher, queue, tmp_path, "job", first_nap=120)
    assert wait_for(lambda: starts(tmp_path, "job"), 30), first.text()
    first.kill()  # SIGKILL, the task taken and not acknowledged
    time.sleep(2.5)

    second = start_worker(workers, redis, queue, tmp_path / "second.log", "solo", **timeout)
    assert wait_for(lambda: work(tmp_path) == ["job"], 30), second.text()
    assert len(starts(tmp_path, "job")) == 2
    assert second.process.poll() is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("data_put_back")
def test_the_deadline_scan_during_an_outage_owes_every_reminder_notification_and_email_once(
    workers: list[WorkerProcess], tmp_path: Path
) -> None:
    """The scan commits its reminders and notifications while Redis is down (their e-mails' tasks cannot be queued);
    the worker lives through the outage, and once Redis is back its sweep sends each e-mail once, and a scan run
    again, then a killed worker's, add nothing."""
    redis = RedisServer(tmp_path / "redis")
    (tmp_path / "redis").mkdir()
    redis.start()
    with publishing_to(redis.url):  # the report's e-mails: to the test's Redis, not the developer's broker folder
        officer, chair, supervisor = overdue_emergency()
    with SmtpServer() as smtp:
        mail = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp.port)}  # fmt: skip
        worker = start_worker(workers, redis, QUEUES, tmp_path / "worker.log", "prefork", **mail)
        probe = probe_for(redis)
        try:
            redis.stop()
            with publishing_to(redis.url):
                result = deadlines_scan()  # nothing raised: the e-mails wait in the outbox
            assert result.overdue == 1 and result.notifications == 3
            owed = Delivery.objects.filter(notification__key__endswith=":overdue")
            assert owed.filter(status=DeliveryStatus.PENDING).count() == 3
            time.sleep(3)
            assert worker.process.poll() is None, worker.text()
            redis.start()

            probe.send_task("childprotect.alerts.tasks.sweep_deliveries")
            everyone = Delivery.objects.count()  # the overdue e-mails and those of the report's reception
            assert wait_for(lambda: len(smtp.messages) == everyone, 60), worker.text()
            scan = probe.send_task("cases.tasks.scan_deadlines").id
            assert wait_for(lambda: worker.result(scan) is not None, 60), worker.text()
            assert worker.result(scan) == NOTHING_NEW

            worker.kill()  # killed whole; the scan queued meanwhile runs on the next worker
            scan = probe.send_task("cases.tasks.scan_deadlines").id
            again = start_worker(workers, redis, QUEUES, tmp_path / "again.log", "prefork", **mail)
            assert wait_for(lambda: again.result(scan) is not None, 60), again.text()
            assert again.result(scan) == NOTHING_NEW
            sweep = probe.send_task("childprotect.alerts.tasks.sweep_deliveries").id
            assert wait_for(lambda: again.result(sweep) is not None, 60), again.text()
            assert again.result(sweep) == "0"
        finally:
            probe.close()
            for started in workers:
                started.stop()
            redis.stop()

        assert Reminder.objects.filter(kind=ReminderKind.OVERDUE).count() == 1
        overdue = Notification.objects.filter(key__endswith=":overdue")
        assert sorted(overdue.values_list("recipient__username", flat=True)) == sorted(
            [officer.username, chair.username, supervisor.username]
        )
        assert owed.filter(status=DeliveryStatus.SENT).count() == owed.count() == 3
        assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == len(smtp.messages) == everyone
        assert "Unrecoverable error" not in worker.text()
