"""Celery: a message really goes through the configured broker; the periodic jobs are declared and registered.

The broker is filesystem:// by default (no server) and redis:// when CI sets CELERY_BROKER_URL.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from childprotect.celery import app
from childprotect.core.services import sessions_clear_expired
from childprotect.core.tasks import clear_expired_sessions

CLEAR_SESSIONS_TASK = "childprotect.core.tasks.clear_expired_sessions"


def test_broker_is_configured_from_django_settings():
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_serializer == "json"
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"


def test_a_message_goes_through_the_configured_broker_and_back():
    queue_name = f"test-ping-{uuid.uuid4().hex}"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
        queue = conn.SimpleQueue(queue_name)
        try:
            queue.put({"ping": "xin chào"})
            message = queue.get(timeout=5)
            assert message.payload == {"ping": "xin chào"}
            message.ack()
        finally:
            queue.close()


def test_beat_schedule_has_the_clear_expired_sessions_job():
    entry = app.conf.beat_schedule["clear-expired-sessions"]
    assert entry["task"] == CLEAR_SESSIONS_TASK
    assert settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions"]["task"] == CLEAR_SESSIONS_TASK


def test_every_beat_schedule_task_is_registered():
    app.loader.import_default_modules()
    assert CLEAR_SESSIONS_TASK in app.tasks
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name


@pytest.mark.django_db
@pytest.mark.parametrize("clear", [clear_expired_sessions, sessions_clear_expired], ids=["task", "service"])
def test_clear_expired_sessions_deletes_expired_and_keeps_live_sessions(clear):
    now = timezone.now()
    Session.objects.create(session_key="expired" + "x" * 25, session_data="", expire_date=now - dt.timedelta(seconds=1))
    Session.objects.create(session_key="live" + "y" * 28, session_data="", expire_date=now + dt.timedelta(minutes=1))
    assert clear() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live" + "y" * 28]
