"""Start the web server, two Celery workers (the jobs; the alert messages) and Celery beat together; Ctrl-C stops them.

A worker or beat that exits on its own (a crash, a killed process) is started again, with a line in the log; the web
server's exit stops everything (runserver stops on an error the developer must see).

The port is PORT (default 8000) unless --addrport says otherwise; the worker, which sends the e-mails, is told the
same address (CHILDPROTECT_SITE_URL) so the links in them lead to this server, unless the address is set already.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from devtools.demo import ACCOUNTS, demo_password


def launch_plan(addrport: str | None, environ: Mapping[str, str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(the commands, the environment they run in) for `addrport` or, without one, 127.0.0.1:$PORT."""
    addrport = addrport or f"127.0.0.1:{environ.get('PORT') or 8000}"
    host, _, port = addrport.rpartition(":")
    host = host or "127.0.0.1"
    env = dict(environ)
    env["PORT"] = port
    if not env.get("CHILDPROTECT_SITE_URL"):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "[::]") else host  # noqa: S104 (an address to link to)
        env["CHILDPROTECT_SITE_URL"] = f"http://{shown}:{port}"
    celery = [sys.executable, "-m", "celery", "-A", "childprotect"]
    commands = {
        "web": [sys.executable, "manage.py", "runserver", "--noreload", addrport],
        # Two workers: the deadline scan and the other jobs on one, the alert messages on the other, so that a mail
        # server or an SMS or Zalo provider that hangs never holds the scan (docs/alerts.md#a-hanging-provider).
        "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2", "-Q", "celery", "-n", "jobs@%h"],
        "messages": [
            *celery,
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "-Q",
            settings.CHILDPROTECT_MESSAGES_QUEUE,
            "-n",
            "messages@%h",
        ],  # fmt: skip
        "beat": [*celery, "beat", "--loglevel", "INFO", "--scheduler", settings.CELERY_BEAT_SCHEDULER],
    }
    return commands, env


RESTART_DELAY = 2.0  # seconds between a process's exit and its restart: one that cannot start does not spin


def supervise(
    processes: dict[str, subprocess.Popen[bytes]],
    start: Callable[[str], subprocess.Popen[bytes]],
    interrupted: list[int],
    log: Callable[[str], None],
    tick: Callable[[], None] = lambda: None,
) -> str | None:
    """Watch `processes` until Ctrl-C (`interrupted` gets a signal number): a worker or beat that exited is started
    again by `start(name)` (in place in `processes`) and logged; the web server's exit ends the watch, returning
    "web". Returns None after Ctrl-C."""
    exited: dict[str, float] = {}
    while not interrupted:
        for name, process in list(processes.items()):
            code = process.poll()
            if code is None:
                continue
            if name == "web":
                return name
            if name not in exited:
                exited[name] = time.monotonic()
                log(f"Tiến trình {name} đã dừng (mã {code}); khởi động lại sau {RESTART_DELAY:g} giây.")
            elif time.monotonic() - exited[name] >= RESTART_DELAY and not interrupted:
                del exited[name]
                processes[name] = start(name)
        time.sleep(0.2)
        tick()
    return None


class Command(BaseCommand):
    help = "Chạy máy chủ web, Celery worker và Celery beat trong một cửa sổ (Ctrl-C để dừng cả ba)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", help="địa chỉ và cổng của máy chủ web (mặc định 127.0.0.1:$PORT, PORT=8000)")

    def handle(self, *args: Any, **options: Any) -> None:
        commands, env = launch_plan(options["addrport"], os.environ)
        # Fixed argument lists, no shell.
        processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}  # noqa: S603
        started, announced = time.monotonic(), False
        interrupted: list[int] = []
        # Ctrl-C reaches every process of the terminal's group; note it rather than race the children's exit.
        signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
        signal.signal(signal.SIGTERM, lambda signum, frame: interrupted.append(signum))

        def announce() -> None:
            nonlocal announced
            if not announced and time.monotonic() - started > 5:  # after the worker's and beat's banners
                announced = True
                self.stdout.write(f"\nMở http://{commands['web'][-1]}/ trong trình duyệt. Ctrl-C để dừng.")
                logins = ", ".join(a.username for a in ACCOUNTS)
                self.stdout.write(f"Tài khoản mẫu (mật khẩu {demo_password()}): {logins}\n")

        try:
            stopped = supervise(
                processes,
                lambda name: subprocess.Popen(commands[name], env=env),  # noqa: S603
                interrupted,
                self.stderr.write,
                announce,
            )
            if stopped is None:
                self.stdout.write("\nĐang dừng...")
            else:
                self.stderr.write(f"Tiến trình {stopped} đã dừng; dừng các tiến trình còn lại.")
        finally:
            for p in processes.values():
                if p.poll() is None:
                    p.terminate()
            for p in processes.values():
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
