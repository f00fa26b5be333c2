"""The deadline scan and its emails on a real Celery worker, through the configured broker (not eager mode).

On the default settings the broker is the filesystem transport; in CI's second run it is Redis on 127.0.0.1. The
worker runs in a thread of this process (celery.contrib.testing), so it reads the same test database; the test is
transactional because the worker's own connection cannot see a test's uncommitted rows.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from cases.tasks import scan_deadlines
from childprotect.alerts.models import Delivery
from childprotect.celery import app
from childprotect.core.models import Notification
from tests.support.builders import overdue_emergency


@pytest.fixture
def worker():
    """A real worker consuming the configured broker's two queues (the jobs', the alert messages'), with an in-memory
    result backend to wait on."""
    before = app.conf.result_backend, app.conf.task_always_eager
    app.conf.update(result_backend="cache+memory://", task_always_eager=False)
    app._local.__dict__.pop("backend", None)  # Celery caches the backend per thread; take the new one
    try:
        queues = ["celery", settings.CHILDPROTECT_MESSAGES_QUEUE]
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=queues) as running:
            yield running
    finally:
        app.conf.update(result_backend=before[0], task_always_eager=before[1])
        app._local.__dict__.pop("backend", None)


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_overdue_emergency_deadline_notifies_officer_chair_and_supervisor_once_on_a_real_worker(worker):
    officer, chair, supervisor = overdue_emergency()
    mail.outbox.clear()

    first = scan_deadlines.delay().get(timeout=60)
    assert first["overdue"] >= 1
    overdue = Notification.objects.filter(key__endswith=":overdue")
    assert sorted(overdue.values_list("recipient__username", flat=True)) == sorted(
        [officer.username, chair.username, supervisor.username]
    )
    # The emails are tasks of their own, queued when the scan committed: the same worker sends them.
    assert _wait_for(
        lambda: Delivery.objects.filter(notification__key__endswith=":overdue", status="sent").count() == 3
    ), "the worker did not send the three emails"

    second = scan_deadlines.delay().get(timeout=60)
    assert second == {"due_soon": 0, "overdue": 0, "notifications": 0}
    assert overdue.count() == 3
    time.sleep(1)  # nothing else queued: no email task can be in flight
    assert sorted(m.to[0] for m in mail.outbox if "Quá hạn" in m.subject) == sorted(
        ["canbo@example.vn", "chutich@example.vn", "giamsat@example.vn"]
    )
