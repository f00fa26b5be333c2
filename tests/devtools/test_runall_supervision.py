"""make run (runall): a worker or beat that exits is started again with a line in the log; the web server's exit or
Ctrl-C stops the watch. Real short-lived processes stand in for the three."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from devtools.management.commands.runall import supervise

SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
EXIT = [sys.executable, "-c", "raise SystemExit(3)"]


def recording(started: list[str]):
    def start(name: str) -> subprocess.Popen[bytes]:
        started.append(name)
        return subprocess.Popen(SLEEP)  # noqa: S603

    return start


@pytest.fixture
def processes() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    running: dict[str, subprocess.Popen[bytes]] = {}
    yield running
    for process in running.values():
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_a_worker_that_exits_is_started_again_and_logged(processes) -> None:
    processes.update(web=subprocess.Popen(SLEEP), worker=subprocess.Popen(EXIT), beat=subprocess.Popen(SLEEP))  # noqa: S603
    beat = processes["beat"]
    started: list[str] = []
    logged: list[str] = []
    interrupted: list[int] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        started.append(name)
        return subprocess.Popen(SLEEP)  # noqa: S603

    def tick() -> None:
        if started and len(logged) > 0 and processes["worker"].poll() is None:
            interrupted.append(signal.SIGINT)  # Ctrl-C once the worker runs again

    assert supervise(processes, start, interrupted, logged.append, tick) is None
    assert started == ["worker"]
    assert processes["worker"].poll() is None  # the new one
    assert processes["beat"] is beat and beat.poll() is None
    assert logged == ["Tiến trình worker đã dừng (mã 3); khởi động lại sau 2 giây."]


def test_the_web_servers_exit_stops_the_watch(processes) -> None:
    processes.update(web=subprocess.Popen(EXIT), worker=subprocess.Popen(SLEEP))  # noqa: S603
    started: list[str] = []
    assert supervise(processes, recording(started), [], print) == "web"
    assert started == []


def test_nothing_is_restarted_after_ctrl_c(processes) -> None:
    processes.update(web=subprocess.Popen(SLEEP), worker=subprocess.Popen(EXIT))  # noqa: S603
    processes["worker"].wait(10)
    started: list[str] = []
    assert supervise(processes, recording(started), [signal.SIGINT], print) is None
    assert started == []
