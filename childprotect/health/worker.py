"""The health timers: each Celery worker's, a bootstep (added in childprotect/celery.py) that starts a thread beating
every CHILDPROTECT_HEALTH_TICK_SECONDS with the worker's hostname and queues (services.health_tick); and beat's, a
thread started on `beat_init` that checks the alarms (services.alarms_check), so that the administrators hear of
dead workers from beat and of a dead beat from the workers.

Not the `heartbeat_sent` signal: Celery sends it only with events enabled (`-E`), and never with
`--without-heartbeat`. Not the consumer's timer either: a tick may wait on the mail server (EMAIL_TIMEOUT) and
must not hold the worker's event loop; a thread of its own also beats while the solo pool runs a long task.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import bootsteps

logger = logging.getLogger(__name__)


def _every(round_: Callable[[], object], every: float, stopping: threading.Event) -> None:
    from django.db import close_old_connections, connection

    while not stopping.is_set():
        try:
            close_old_connections()
            round_()
        except Exception:  # a database or broker outage: the next tick tries again
            logger.exception("health: a health tick failed")
        finally:
            connection.close()  # this thread's own connection: none is held between ticks
        stopping.wait(every)


class HealthTimer(bootsteps.StartStopStep):
    label = "health timer"
    # After the pool: its processes are forked before this thread exists (a fork copies no thread, but may copy a
    # lock one holds).
    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        every = float(settings.CHILDPROTECT_HEALTH_TICK_SECONDS)
        if every <= 0:
            return
        queues = sorted(worker.app.amqp.queues.consume_from or worker.app.amqp.queues)
        self.thread = threading.Thread(
            target=self.run, args=(worker.hostname, queues, every), name="health-timer", daemon=True
        )
        self.thread.start()

    def run(self, hostname: str, queues: list[str], every: float) -> None:
        from .services import health_tick

        _every(lambda: health_tick(hostname, queues), every, self.stopping)

    def stop(self, worker: Any) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(5)

    # A cold shutdown (SIGQUIT, a second Ctrl-C, celery.contrib.testing's workers) calls `terminate`, whose default
    # does nothing for a step without `obj`: the thread would go on beating for a dead worker in a process that lives
    # on (tests/health/test_health_timer.py).
    terminate = stop


def beat_timer_start(sender: Any = None, **kwargs: Any) -> None:
    """On `beat_init`: beat's own thread checks the alarms every tick (it lives as long as the beat process)."""
    from django.conf import settings

    from .services import alarms_check

    every = float(settings.CHILDPROTECT_HEALTH_TICK_SECONDS)
    if every > 0:
        thread = threading.Thread(target=_every, args=(alarms_check, every, threading.Event()), daemon=True)
        thread.name = "health-timer"
        thread.start()
