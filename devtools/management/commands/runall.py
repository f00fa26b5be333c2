"""Start the web server, two Celery workers (the jobs; the alert messages) and Celery beat together; Ctrl-C stops them.

The port is PORT (default 8000) unless --addrport says otherwise; the worker, which sends the e-mails, is told the
same address (CHILDPROTECT_SITE_URL) so the links in them lead to this server, unless the address is set already.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from devtools.demo import ACCOUNTS, demo_password


def launch_plan(addrport: str | None, environ: Mapping[str, str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(the three commands, the environment they run in) for `addrport` or, without one, 127.0.0.1:$PORT."""
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
        try:
            while not interrupted and all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
                if not announced and time.monotonic() - started > 5:  # after the worker's and beat's banners
                    announced = True
                    self.stdout.write(f"\nMở http://{commands['web'][-1]}/ trong trình duyệt. Ctrl-C để dừng.")
                    logins = ", ".join(a.username for a in ACCOUNTS)
                    self.stdout.write(f"Tài khoản mẫu (mật khẩu {demo_password()}): {logins}\n")
            if interrupted:
                self.stdout.write("\nĐang dừng...")
            else:
                stopped = [name for name, p in processes.items() if p.poll() is not None]
                self.stderr.write(f"Tiến trình {', '.join(stopped)} đã dừng; dừng các tiến trình còn lại.")
        finally:
            for p in processes.values():
                if p.poll() is None:
                    p.terminate()
            for p in processes.values():
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
