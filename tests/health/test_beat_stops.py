"""Beat stops, or the workers do: the alarm is raised all the same (docs/architecture.md#health-heartbeats-and-alarms).

Everything is real: a Celery worker and a Celery beat in OS processes of their own (tests/support/worker_process.py),
on the test database and the configured broker (a queue of the test's own), beat sending the deadline scan and its
heartbeat every second; a real SMTP server (tests/support/smtp_server.py). Beat is killed; within the (tiny) stale
threshold the worker's health timer opens the alarm and e-mails the administrator once, /readyz says "degraded" and
the home pages of the administrator and the supervisor say the scan stopped, the officer's does not.
The other way round: the worker is killed, beat's own health timer e-mails the administrator that no worker is left.
No frozen clock here: the processes live in real time, and the thresholds are measured against it.
"""

from __future__ import annotations

import email
import email.message
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from childprotect.health.models import Alarm, AlarmKind, Component, Heartbeat
from tests.support.smtp_server import SmtpServer
from tests.support.worker_process import BeatProcess, WorkerProcess, private_queue, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("data_put_back"),
]

STALE_MINUTES = 0.2  # 12 s without a scan: the alarm


@pytest.fixture(autouse=True)
def no_heartbeats_of_other_tests() -> None:
    """Real workers of other tests write heartbeats (their health timer) that outlive those tests' rolled-back
    transactions: this test counts its own processes' from a clean slate."""
    Heartbeat.objects.all().delete()
    Alarm.objects.all().delete()


@pytest.fixture
def queue() -> Iterator[str]:
    with private_queue(()) as name:
        yield name


def body_of(message: email.message.Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def readyz(client: Client) -> str:
    response = client.get("/readyz")
    return str(response.json()["status"])


def banner(user) -> bool:
    client = Client()
    client.force_login(user)
    return "Lịch quét thời hạn đã dừng từ" in client.get("/").content.decode()


def test_when_beat_stops_readyz_is_degraded_the_banner_shows_and_the_administrator_gets_one_email(
    queue, tmp_path: Path, settings, administrator, supervisor, officer_a
):
    settings.CHILDPROTECT_SCAN_STALE_MINUTES = STALE_MINUTES  # this process's readyz and home pages
    administrator.email = "quantri@example.vn"
    administrator.save()
    supervisor.email, officer_a.email = "giamsat@example.vn", "canbo@example.vn"
    supervisor.save()
    officer_a.save()
    client = Client()

    with SmtpServer() as smtp:
        health = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                  "EMAIL_PORT": str(smtp.port), "EMAIL_TIMEOUT": "10",
                  "CHILDPROTECT_SCAN_STALE_MINUTES": str(STALE_MINUTES), "CHILDPROTECT_HEALTH_TICK_SECONDS": "0.5",
                  "CHILDPROTECT_HEALTH_QUEUES": queue, "CHILDPROTECT_QUEUE_SAMPLE_SECONDS": "1"}  # fmt: skip
        # Beat first: its first scan waits in the queue for the worker, so the scan has run before the worker has
        # been up for the threshold (a scan that never ran is an alarm too).
        beat = BeatProcess(queue, tmp_path, every=1.0, settings=health)
        worker = WorkerProcess(queue, tmp_path / "worker.log", health)
        try:
            worker.wait_ready()
            beat.wait_sending()
            beats = Heartbeat.objects.filter(kind__in=[Component.BEAT, Component.SCAN, Component.WORKER])
            assert wait_for(lambda: beats.count() == 3, 60), f"{worker.text()}\n{beat.text()}"
            assert wait_for(lambda: Heartbeat.objects.filter(kind=Component.QUEUE, name=queue).exists(), 30)
            assert Heartbeat.objects.get(kind=Component.WORKER).details == {"queues": [queue]}
            assert readyz(client) == "ok"
            assert not banner(administrator)

            before = Heartbeat.objects.get(kind=Component.SCAN).last_seen
            assert wait_for(lambda: Heartbeat.objects.get(kind=Component.SCAN).last_seen > before, 30)  # it beats

            beat.stop()
            stopped = time.monotonic()

            assert wait_for(lambda: readyz(client) == "degraded", 90), worker.text()
            assert time.monotonic() - stopped >= STALE_MINUTES * 60 - 3  # not before the threshold (a tick's slack)
            body = client.get("/readyz").json()
            assert body["checks"]["deadline_scan"] == "fail" and body["checks"]["workers"] == "ok"
            assert banner(administrator) and banner(supervisor) and not banner(officer_a)

            assert wait_for(lambda: len(smtp.messages) >= 1, 60), worker.text()
            time.sleep(3)  # six more ticks of the worker's timer: still one e-mail
            assert worker.process.poll() is None, worker.text()
        finally:
            beat.stop()
            worker.stop()

    (message,) = [email.message_from_bytes(m) for m in smtp.messages]
    assert message["To"] == "quantri@example.vn"
    assert "Lịch quét thời hạn đã dừng từ" in body_of(message)
    (alarm,) = Alarm.objects.all()
    assert alarm.kind == AlarmKind.SCAN_STALE and alarm.closed_at is None and alarm.notified_at is not None


def test_when_the_last_worker_dies_beat_emails_the_administrator_once(queue, tmp_path: Path, settings, administrator):
    settings.CHILDPROTECT_WORKER_STALE_MINUTES = 0.1  # 6 s without a worker: the alarm
    administrator.email = "quantri@example.vn"
    administrator.save()
    client = Client()

    with SmtpServer() as smtp:
        health = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                  "EMAIL_PORT": str(smtp.port), "EMAIL_TIMEOUT": "10", "CHILDPROTECT_WORKER_STALE_MINUTES": "0.1",
                  "CHILDPROTECT_HEALTH_TICK_SECONDS": "0.5", "CHILDPROTECT_HEALTH_QUEUES": queue}  # fmt: skip
        beat = BeatProcess(queue, tmp_path, every=1.0, settings=health)
        worker = WorkerProcess(queue, tmp_path / "worker.log", health)
        try:
            worker.wait_ready()
            beat.wait_sending()
            assert wait_for(lambda: Heartbeat.objects.filter(kind=Component.SCAN).exists(), 60), worker.text()
            assert readyz(client) == "ok"

            worker.kill()  # SIGKILL: the OOM killer, a lost node

            assert wait_for(lambda: len(smtp.messages) >= 1, 90), beat.text()
            assert client.get("/readyz").json()["checks"]["workers"] == "fail"
            time.sleep(3)  # more ticks of beat's timer: still one e-mail
            assert beat.process.poll() is None, beat.text()
        finally:
            beat.stop()
            worker.stop()

    (message,) = [email.message_from_bytes(m) for m in smtp.messages]
    assert message["To"] == "quantri@example.vn"
    assert "Không còn tiến trình xử lý nền" in body_of(message)
    assert list(Alarm.objects.values_list("kind", flat=True)) == [AlarmKind.NO_WORKER]
