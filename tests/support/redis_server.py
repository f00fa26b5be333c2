"""A Redis server of the test's own (`redis-server` on a free port, nothing saved), which the test stops and starts
again on the same port: a broker outage, for real (tests/core/test_broker_faults.py)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from devtools.bench.race import free_port


class RedisServer:
    """With a `folder`, what Redis holds survives a stop (an append-only file written at every command, as a
    production Redis keeps its queues); without one, a stop loses it."""

    def __init__(self, folder: Path | None = None) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("redis-server is not installed: the broker outage tests start a Redis of their own")
        self.executable = executable
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.folder = folder

    def start(self) -> None:
        command = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        if self.folder is None:
            command += ["--appendonly", "no"]
        else:
            command += ["--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self, sig: int = signal.SIGKILL) -> None:
        """SIGKILL by default: the broker vanishes at once, as a crashed server."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(10)
        self.process = None
