"""gunicorn with the repository's gunicorn.conf.py and the production settings (DJANGO_PRODUCTION=1), one worker,
on a port of 9200-9249, its output (access log, application log) in a file the test reads. No database is set up: it
serves what needs none (a redirect, a page for an anonymous visitor)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devtools.bench.race import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "childprotect/deploy/gunicorn.conf.py"


@dataclass
class Gunicorn:
    port: int
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(errors="replace")


@contextmanager
def gunicorn_production(folder: Path, **env: str) -> Iterator[Gunicorn]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CHILDPROTECT_LOG_FORMAT", "DATABASE_URL"}}
    environ.update(
        {
            "DJANGO_PRODUCTION": "1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CHILDPROTECT_VAR_DIR": str(folder / "var"),
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            **env,
        }
    )
    server = Gunicorn(port, folder / "gunicorn.out", folder / "gunicorn.err")
    command = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-b", f"127.0.0.1:{port}", "-w", "1"]
    with server.stdout.open("wb") as out, server.stderr.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [*command, "childprotect.wsgi"], cwd=ROOT, env=environ, stdout=out, stderr=err, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{server.stderr.read_text(errors='replace')[-4000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
