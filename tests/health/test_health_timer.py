"""A worker's health timer (childprotect/health/worker.py) ends with its worker, however the worker ends.

Celery stops a worker's bootsteps with `stop` on a warm shutdown and with `terminate` on a cold one (SIGQUIT, a second
Ctrl-C, celery.contrib.testing's workers). A timer that only stopped on `stop` went on beating after a cold shutdown:
in a long-lived process (the test session) a dead worker kept its heartbeat fresh and ran the alarm checks every tick,
and another test's count of workers saw one too many. Here a real worker runs in a thread of this process.
"""

from __future__ import annotations

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker

from childprotect.celery import app
from childprotect.health.models import Component, Heartbeat
from tests.support.worker_process import private_queue, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("data_put_back"),
]

TICK = 0.2


def health_timers() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name == "health-timer" and thread.is_alive()}


def test_the_health_timer_ends_with_a_worker_shut_down_cold(settings):
    settings.CHILDPROTECT_HEALTH_TICK_SECONDS = TICK
    before = health_timers()
    with private_queue(()) as queue:
        settings.CHILDPROTECT_HEALTH_QUEUES = [queue]
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=[queue]) as worker:
            beats = Heartbeat.objects.filter(kind=Component.WORKER, name=worker.hostname)
            assert wait_for(beats.exists, 30)
            assert len(health_timers() - before) == 1  # it was running
        # start_worker ends its worker cold: Celery calls the bootsteps' `terminate`, not their `stop`.

    assert wait_for(lambda: not health_timers() - before, 10), health_timers() - before
    last = beats.get().last_seen
    time.sleep(5 * TICK)
    assert beats.get().last_seen == last  # no beat after the end
