"""Start the web server, a Celery worker and Celery beat together; Ctrl-C stops all three."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from childprotect.core.demo import ACCOUNTS, demo_password


class Command(BaseCommand):
    help = "Chạy máy chủ web, Celery worker và Celery beat trong một cửa sổ (Ctrl-C để dừng cả ba)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        celery = [sys.executable, "-m", "celery", "-A", "childprotect"]
        commands = {
            "web": [sys.executable, "manage.py", "runserver", "--noreload", options["addrport"]],
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--scheduler", settings.CELERY_BEAT_SCHEDULER],
        }
        # Fixed argument lists, no shell.
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
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
                    self.stdout.write(f"\nMở http://{options['addrport']}/ trong trình duyệt. Ctrl-C để dừng.")
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
