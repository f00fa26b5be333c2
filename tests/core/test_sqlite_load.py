"""`make run`'s embedded SQLite under a commune office's load: WAL, a busy timeout, writes that
take the write lock up front, and a Vietnamese 503 (Retry-After) instead of a 500 when a lock still outlasts the
timeout, with nothing saved. These tests hold a real write lock from a second connection to the same file."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.urls import reverse

from cases.models import Report, Term, TermKind
from childprotect.core.models import Notification
from childprotect.core.services import notify

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3", reason="the embedded database only"
)
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def write_lock_held(seconds: float) -> Iterator[None]:
    """A second connection to the file takes the write lock (BEGIN IMMEDIATE) and keeps it for `seconds`."""
    held = threading.Event()

    def run() -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"], timeout=5, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert held.wait(10)
    try:
        yield
    finally:
        thread.join()


@pytest.mark.django_db
def test_the_embedded_database_runs_in_wal_with_normal_sync_and_immediate_writes():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 20
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: safe in WAL, far fewer fsyncs
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 20_000


@committed
def test_a_write_waits_for_another_connections_write_lock_and_succeeds(officer_a):
    with write_lock_held(1.0):
        started = time.monotonic()
        notify(recipients=[officer_a], title="Thử ghi khi tệp đang bị khoá")
        assert time.monotonic() - started >= 0.5  # it waited for the lock instead of failing
    assert Notification.objects.filter(recipient=officer_a).count() == 1


@committed
def test_a_lock_outlasting_the_timeout_is_a_vietnamese_503_and_nothing_is_saved(client, officer_a):
    phone = Term.objects.get(kind=TermKind.CHANNEL, code="phone")
    client.force_login(officer_a)
    page = client.get(reverse("cases:report_create"))  # the session is written now, not during the lock
    assert page.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 300")  # this connection gives up after 0.3 s instead of 30 s
    try:
        with write_lock_held(1.5):
            response = _post_report(client, phone)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(settings.DATABASES['default']['OPTIONS']['timeout'] * 1000)}")

    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "Hệ thống đang bận" in body and "chưa được lưu" in body
    assert Report.objects.count() == 0


def _post_report(client, phone):
    return client.post(
        reverse("cases:report_create"),
        {
            "received_at": "20/11/2026 08:30",
            "report_type": "thong_bao",
            "channel": str(phone.pk),
            "reporter_name": "Đỗ Thị Mai",
            "description": "Trẻ bị đánh.",
            "forms_main": ["violence"],
            "environment": "family",
            "incident_unit": "14797",
            "p-TOTAL_FORMS": "0",
            "p-INITIAL_FORMS": "0",
        },
    )


@pytest.mark.django_db
def test_a_lock_timeout_outside_a_view_is_the_busy_page_too(rf):
    from childprotect.core.middleware import server_error

    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503 and "Hệ thống đang bận" in response.content.decode()
    try:
        raise ValueError("something else")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500


@contextmanager
def busy_timeout(ms: int) -> Iterator[None]:
    """This connection gives up on a held lock after `ms` instead of CHILDPROTECT_SQLITE_TIMEOUT."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {ms}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(settings.DATABASES['default']['OPTIONS']['timeout'] * 1000)}")


@committed
def test_a_page_is_served_when_only_its_session_touch_finds_the_database_busy(client, officer_a):
    """Measured by `manage.py benchmark load`: during a 100,000-row import, home and case-list pages whose session
    expiry was due to slide answered 400 Bad Request (Django turns a failed session save into SessionInterrupted) after
    waiting the whole lock timeout. Sliding the expiry can wait for the next request; the page must be served."""
    from childprotect.accounts.security import SEEN_SESSION_KEY

    client.force_login(officer_a)
    assert client.get(reverse("home")).status_code == 200

    def touch_due() -> None:
        session = client.session
        session[SEEN_SESSION_KEY] = 0  # last slid long ago: the next request moves the expiry (a session write)
        session.save()

    touch_due()
    with busy_timeout(300), write_lock_held(1.5):  # the lock outlasts the wait
        response = client.get(reverse("cases:case_list"))
    assert response.status_code == 200
    touch_due()
    with write_lock_held(4.0):  # the lock is held for seconds (an import): the page does not wait for it
        started = time.monotonic()
        response = client.get(reverse("home"))
        waited = time.monotonic() - started
    assert response.status_code == 200
    assert waited < 3.0
    assert client.get(reverse("home")).status_code == 200  # still logged in; this request slid the expiry
    assert client.session[SEEN_SESSION_KEY] > 0


@committed
def test_a_session_change_that_matters_finding_the_database_busy_is_the_busy_error_not_a_400(officer_a):
    """A real change (not just the expiry) that cannot be saved raises the busy error itself, which the busy page
    (503, handler500) answers, instead of Django's UpdateError, which becomes a 400 "session deleted"."""
    from django.conf import settings as conf
    from django.utils.module_loading import import_string

    store_class = import_string(f"{conf.SESSION_ENGINE}.SessionStore")
    store = store_class()
    store["kept"] = 1
    store.create()
    again = store_class(store.session_key)
    again["kept"] = 2
    with busy_timeout(300), write_lock_held(1.5), pytest.raises(OperationalError, match="locked"):
        again.save()
    assert store_class(store.session_key)["kept"] == 1
