"""The deadline scan and its emails on a real Celery worker, through the configured broker (not eager mode).

On the default settings the broker is the filesystem transport; in CI's second run it is Redis on 127.0.0.1. The
worker runs in a thread of this process (celery.contrib.testing), so it reads the same test database; the test is
transactional because the worker's own connection cannot see a test's uncommitted rows.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from cases.models import Term, TermKind
from cases.services import ChildData, ReportData, child_register, report_attach_child, report_receive
from cases.tasks import scan_deadlines
from childprotect.accounts.models import Role
from childprotect.alerts.models import Delivery
from childprotect.celery import app
from childprotect.core.models import Notification
from tests.factories import UserFactory, unit


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
    commune, province = unit("2026:14797"), unit("2026:38")
    officer = UserFactory(role=Role.COMMUNE_OFFICER, unit=commune, email="canbo@example.vn")
    chair = UserFactory(role=Role.COMMUNE_CHAIR, unit=commune, email="chutich@example.vn")
    supervisor = UserFactory(role=Role.SUPERVISOR, unit=province, email="giamsat@example.vn")
    received = timezone.now() - dt.timedelta(hours=13)  # NĐ 56 Đ26 k3: the 12 hours have run out
    report = report_receive(
        actor=officer,
        data=ReportData(
            report_type="to_giac",
            channel=Term.objects.get(kind=TermKind.CHANNEL, code="phone"),
            received_at=received,
            description="Trẻ bị đánh, chưa có quyết định bảo vệ khẩn cấp.",
            environment="family",
            incident_unit=commune,
            forms=["violence"],
            reporter_name="Người báo tin",
        ),
    )
    child = child_register(
        actor=officer,
        data=ChildData(
            full_name="Đinh Thị Mỹ Duyên", sex="female", residence_unit=commune, date_of_birth=dt.date(2014, 3, 1)
        ),
    )
    report_attach_child(actor=officer, report=report, child=child)
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
