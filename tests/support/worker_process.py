"""Real Celery workers in OS processes of their own (`python -m celery -A childprotect worker --pool=solo`), on the
test database and the configured broker, for tests that kill them (tests/alerts/test_worker_kill.py); and a real beat
(BeatProcess) with a fast schedule, for the test that stops it (tests/health/test_beat_stops.py).

- The database: the worker is given the test database's URL (a SQLite file per test process, or PostgreSQL's test_
  database), so the test must be transactional: the worker sees only committed rows.
- The broker: the one configured (the filesystem transport by default, Redis in CI's second run), on a queue of the
  test's own (`private_queue`): no other worker of the suite takes its tasks, and its workers take no one else's.
- What a worker did is read from its log: "Task <name>[<id>] succeeded in …: <result>".
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from childprotect.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]
ROUTED = ("childprotect.alerts.tasks.send_delivery", "childprotect.alerts.tasks.sweep_deliveries")


def database_url() -> str:
    """The URL of the database this process's tests use (settings.py reads DATABASE_URL)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = f"{quote(db['USER'] or '', safe='')}:{quote(db['PASSWORD'] or '', safe='')}@" if db["USER"] else ""
    return f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@contextmanager
def private_queue(tasks: tuple[str, ...] = ROUTED) -> Iterator[str]:
    """`tasks` (by default the outbox's) published by this process go to a queue of their own (and for real: not
    eager); the routes already set stay for the other tasks (two private queues may be nested)."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    before = app.conf.task_routes, app.conf.task_always_eager
    routes = {**(before[0] or {}), **{task: {"queue": name} for task in tasks}}
    app.conf.update(task_routes=routes, task_always_eager=False)
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)  # Celery keeps its router with the routes it was made with
    try:
        yield name
    finally:
        app.conf.update(task_routes=before[0], task_always_eager=before[1])
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)
        _unread_messages_purge(name)


def _unread_messages_purge(queue: str) -> None:
    """The filesystem broker's messages still in `queue` when its test ends (a stopped beat's last sends): nobody will
    read them, and the broker's folder is the developer's own (var/celery/, which `make run` uses too)."""
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return  # Redis: CI's, which keeps nothing on disk (and may be down after a broker-fault test)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


@contextmanager
def publishing_to(url: str) -> Iterator[None]:
    """This process publishes its tasks to the broker at `url`.

    The write URL, not broker_url: Celery prefers the CELERY_BROKER_URL environment variable (CI's Redis run) to
    broker_url in its configuration, but takes broker_write_url from the configuration first."""
    before = app.conf.get("broker_write_url")
    app.conf.update(broker_write_url=url)
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(broker_write_url=before)
        app._pool = None
        app.amqp._producer_pool = None


@contextmanager
def broker_down() -> Iterator[None]:
    """This process publishes to Redis on a port nothing listens to: publishing fails (after Celery's retries)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with publishing_to(f"redis://127.0.0.1:{port}/0"):
        yield


def _environment(settings: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            "DATABASE_URL": database_url(),
            "PYTHONUNBUFFERED": "1",
            "CHILDPROTECT_ALERT_SWEEP_AFTER_SECONDS": "0",  # the test says when a sweep runs
            **settings,
        }
    )
    return env


class WorkerProcess:
    """One worker consuming `queue`, with `settings` given as environment variables (settings.py reads them); the
    solo pool (the task runs in the worker's process) unless `pool` says otherwise, and the modules of `include`
    loaded besides the project's tasks."""

    def __init__(self, queue: str, log: Path, settings: dict[str, str], pool: str = "solo", include: str = "") -> None:
        env = _environment(settings)
        self.log = log
        name = f"{log.stem}-{uuid.uuid4().hex[:6]}@%h"
        command = [sys.executable, "-m", "celery", "-A", "childprotect", "worker", f"--pool={pool}", "--concurrency=1",
                   *(["--include", include] if include else []), "-Q", queue, "-n", name, "--without-gossip",
                   "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]  # fmt: skip
        with log.open("wb") as out:
            # A session of its own: kill() reaches a prefork worker's pool processes too.
            self.process = subprocess.Popen(  # noqa: S603
                command, env=env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        if not wait_for(lambda: " ready." in self.text() or self.process.poll() is not None, timeout):
            raise AssertionError(f"the worker did not start:\n{self.text()}")
        if self.process.poll() is not None:
            raise AssertionError(f"the worker stopped:\n{self.text()}")

    def received(self, task: str) -> bool:
        """Whether this worker took a task of this name (its log says so as it starts it)."""
        return re.search(rf"Task {re.escape(task)}\[[\w-]+\] received", self.text()) is not None

    def result(self, task_id: str) -> str | None:
        """What the task returned (its repr, as the worker logged it), or None if this worker has not run it."""
        found = re.search(rf"\[{re.escape(task_id)}\] succeeded in [\d.e-]+s: (.*)", self.text())
        return found.group(1).strip() if found else None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no handler, as the kernel's OOM killer or a pulled plug."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """After the test: the worker is idle and its queue the test's own, so SIGKILL loses nothing (a shutdown
        takes seconds, waiting on the broker)."""
        if self.process.poll() is None:
            self.kill()


class BeatProcess:
    """A real `celery beat` (tests/support/beat_app.py): the deadline scan and beat's heartbeat every `every` seconds
    to `queue`, with the file scheduler in `folder` (the database scheduler would copy the project's schedule)."""

    def __init__(self, queue: str, folder: Path, every: float = 1.0, settings: dict[str, str] | None = None) -> None:
        env = _environment({"TEST_BEAT_QUEUE": queue, "TEST_BEAT_SECONDS": str(every), **(settings or {})})
        self.log = folder / "beat.log"
        command = [sys.executable, "-m", "celery", "-A", "tests.support.beat_app", "beat", "--loglevel=INFO",
                   "--scheduler=celery.beat:PersistentScheduler", f"--schedule={folder / 'beat-schedule'}"]  # fmt: skip
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                command, env=env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_sending(self, timeout: float = 120) -> None:
        """Until beat has sent its first task: on a loaded machine it took 50 s to start, so a test's waits for what
        its tasks do count from here, not from its launch."""
        if not wait_for(lambda: "Sending due task" in self.text(), timeout):
            raise AssertionError(f"celery beat sent nothing in {timeout:.0f} s:\n{self.text()}")

    def stop(self) -> None:
        """Beat stops (a crash, a node lost): SIGKILL, nothing is said to anyone."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
