"""The project's Celery app for a real beat process in tests (`celery -A tests.support.beat_app beat`,
tests/support/worker_process.py BeatProcess): the same app and tasks, a schedule made fast and sent to the test's own
queue (TEST_BEAT_QUEUE), every TEST_BEAT_SECONDS: the deadline scan and beat's heartbeat, as childprotect/schedule.py
declares them every few minutes."""

from __future__ import annotations

import os

from childprotect.celery import app
from childprotect.schedule import BEAT_SCHEDULE

__all__ = ["app"]

_every = float(os.environ.get("TEST_BEAT_SECONDS", "1"))
_queue = os.environ.get("TEST_BEAT_QUEUE", "celery")
app.conf.beat_schedule = {
    name: {"task": BEAT_SCHEDULE[name]["task"], "schedule": _every, "options": {"queue": _queue}}
    for name in ("scan-deadlines", "beat-heartbeat")
}
