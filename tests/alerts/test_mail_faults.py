"""A mail server that refuses, fails mid-send or hangs never stops the reminders, loses an e-mail or locks anyone out
(docs/alerts.md#a-hanging-provider).

The mail server is a real SMTP server in this process (tests/support/smtp_server.py) that can refuse the connection
(its port closed), answer 451 at the end of a message, drop the connection mid-conversation, or accept the connection
and say nothing (a tarpit). The first tests send through the outbox in this process; the last runs real worker
processes, the scan's on one queue and the messages' on another, as `make run` and the compose file do.
"""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from cases.models import Reminder
from cases.tasks import scan_deadlines
from childprotect.accounts.models import Role
from childprotect.alerts.models import Delivery, DeliveryStatus
from childprotect.alerts.services import deliveries_sweep
from childprotect.core.models import Notification
from childprotect.core.services import notify
from tests.factories import UserFactory
from tests.support.builders import overdue_emergency
from tests.support.smtp_server import SmtpServer
from tests.support.worker_process import ROUTED, WorkerProcess, private_queue, wait_for

PASSWORD = "Mật-khẩu-thử-2026"  # noqa: S105 (a test account's)


def _smtp(settings, port: int, timeout: int = 1) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _recipients(messages: list[bytes]) -> list[str]:
    return sorted(email.message_from_bytes(m)["To"] for m in messages)


@pytest.mark.django_db
def test_every_fault_of_the_mail_server_leaves_each_email_owed_and_each_is_sent_once_after_recovery(settings):
    """Refused, failed at the end of DATA, dropped mid-conversation, hung: each sweep records the failure and moves
    on; once the server behaves, every e-mail owed is sent once, none twice, none lost."""
    people = [UserFactory(role=Role.COMMUNE_OFFICER, email=f"canbo{i}@example.vn") for i in range(5)]
    for user in people:
        notify(recipients=[user], title="Quá hạn: đánh giá ban đầu", kind="overdue")
    owed = Delivery.objects.filter(channel="email")
    assert owed.count() == 5

    when = timezone.now()

    def sweep_later() -> int:
        nonlocal when
        when += dt.timedelta(hours=2)  # past any backoff
        with time_machine.travel(when):
            return deliveries_sweep()

    _smtp(settings, _closed_port())
    assert sweep_later() == 0  # refused
    with SmtpServer() as smtp:
        _smtp(settings, smtp.port)
        for mode in ("fail", "drop", "hang"):
            smtp.mode = mode
            assert sweep_later() == 0, mode
        assert smtp.messages == []
        failed = owed.exclude(error="")
        assert failed.exists() and not owed.exclude(status=DeliveryStatus.PENDING).exists()  # all still owed

        smtp.mode = "ok"
        smtp.release.set()
        assert sweep_later() == 5
        assert sweep_later() == 0
    assert _recipients(smtp.messages) == sorted(u.email for u in people)
    assert set(owed.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert Notification.objects.count() == 5  # the bell had them all along


@pytest.mark.django_db
def test_a_hung_mail_server_costs_a_send_its_timeout_and_frees_the_message_for_later(settings):
    (notification,) = notify(recipients=[UserFactory(email="canbo@example.vn")], title="Đến hạn", kind="due_soon")
    with SmtpServer(mode="hang") as smtp:
        _smtp(settings, smtp.port, timeout=1)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
            assert deliveries_sweep() == 0
    delivery = Delivery.objects.get(notification=notification)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.claimed_at is not None
    assert "timed out" in delivery.error or "máy chủ thư" in delivery.error


# --- real workers ----------------------------------------------------------------------------------------------

SCAN = "cases.tasks.scan_deadlines"


@pytest.fixture
def queues() -> Iterator[tuple[str, str]]:
    """(the jobs' queue, the messages' queue): each the test's own, so no other worker of the suite takes them."""
    with private_queue((SCAN,)) as jobs, private_queue(ROUTED) as messages:
        yield jobs, messages


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("data_put_back")
def test_while_the_mail_server_hangs_the_scan_finishes_and_the_recipient_logs_in_then_every_email_goes_once(
    queues, tmp_path: Path
):
    jobs_queue, messages_queue = queues
    officer, _, _ = overdue_emergency(children=3, password=PASSWORD)
    Notification.objects.all().delete()  # the intake's own alerts: this test counts the scan's
    Delivery.objects.all().delete()

    with SmtpServer(mode="hang") as smtp:
        # The scan's worker queues the e-mails on the test's messages queue.
        mail = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp.port), "EMAIL_TIMEOUT": "120",
                "CHILDPROTECT_MESSAGES_QUEUE": messages_queue}  # fmt: skip
        workers = [
            WorkerProcess(jobs_queue, tmp_path / "jobs.log", mail),
            WorkerProcess(messages_queue, tmp_path / "messages.log", mail),
        ]
        try:
            for worker in workers:
                worker.wait_ready()
            jobs, messages = workers
            scan = scan_deadlines.delay()
            # The scan finishes on its worker while the messages' worker is held by the mail server.
            assert wait_for(lambda: jobs.result(scan.id) is not None, 60), jobs.text()
            assert Reminder.objects.filter(kind="overdue").count() == 3
            assert Notification.objects.filter(key__endswith=":overdue").count() == 9  # officer, chair, supervisor ×3
            assert wait_for(lambda: smtp.connections >= 1, 30) and smtp.messages == []
            # The next scan (five minutes later in production) is not queued behind the hung e-mails either.
            again = scan_deadlines.delay()
            assert wait_for(lambda: jobs.result(again.id) is not None, 60), jobs.text()
            assert "'overdue': 0" in (jobs.result(again.id) or "")

            # The recipient of the hung e-mail logs in and opens their home page meanwhile: no row of theirs is
            # locked by the sender (on PostgreSQL a lock would make this wait: 5 s then an error, not a hang).
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '5s'")
            client = Client()
            assert (
                client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD}).status_code == 302
            )
            assert client.get("/").status_code == 200

            smtp.release.set()  # the server recovers
            owed = Delivery.objects.filter(notification__key__endswith=":overdue", channel="email")
            assert wait_for(lambda: owed.filter(status=DeliveryStatus.SENT).count() == 9, 90), messages.text()
        finally:
            for worker in workers:
                worker.stop()
    assert owed.count() == 9 and len(smtp.messages) == 9
    assert _recipients(smtp.messages) == sorted(["canbo@example.vn", "chutich@example.vn", "giamsat@example.vn"] * 3)
    assert not messages.received(SCAN) and not jobs.received(ROUTED[0])  # each worker took its own queue only
