"""Under gunicorn with several worker processes, /metrics adds up every worker's request counts (prometheus_client's
multiprocess mode, set up by childprotect/deploy/gunicorn.conf.py), whichever worker answers the scrape.

A real gunicorn with the production configuration file, two single-threaded workers, on the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devtools.bench.race import free_port
from tests.support.metrics import TOKEN, Exposition, parse
from tests.support.worker_process import BASE_DIR, database_url, wait_for

pytestmark = [pytest.mark.django_db]

REQUESTS = 30
COUNT = "childprotect_http_request_duration_seconds_count"
LOGIN = {"view": "login", "method": "GET", "status": "2xx"}


@dataclass
class Server:
    url: str
    metrics_dir: Path
    log: Path

    def get(self, path: str, token: str = "") -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        request = urllib.request.Request(self.url + path, headers=headers)  # noqa: S310 (http://127.0.0.1, ours)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own server)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    def scrape(self) -> Exposition:
        status, text = self.get("/metrics", TOKEN)
        assert status == 200, self.log.read_text()[-3000:]
        return parse(text)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"")  # a stale file of an earlier run: emptied at start
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR")}
    env.update(
        DJANGO_SETTINGS_MODULE="childprotect.settings",
        DATABASE_URL=database_url(),
        ALLOWED_HOSTS="127.0.0.1",
        CHILDPROTECT_METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    config = BASE_DIR / "childprotect" / "deploy" / "gunicorn.conf.py"
    command = [sys.executable, "-m", "gunicorn", "-c", str(config), "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--threads", "1", "childprotect.wsgi"]  # fmt: skip
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    running = Server(f"http://127.0.0.1:{port}", metrics_dir, log)
    try:
        assert wait_for(lambda: log.read_text().count("Booting worker") >= 2, 60), log.read_text()
        assert wait_for(lambda: _answers(running), 60), log.read_text()
        yield running
    finally:
        process.terminate()
        process.wait(30)


def _answers(server: Server) -> bool:
    try:
        return server.get("/accounts/login/")[0] == 200
    except OSError:
        return False


def test_every_scrape_adds_up_the_requests_of_every_worker(server: Server):
    before = server.scrape().value(COUNT, **LOGIN)

    # At least REQUESTS, and until both workers have answered some (each keeps its own file): the totals below are
    # then sums across processes. The kernel gives each new connection to either worker, not in turn.
    sent = 0
    while sent < REQUESTS or (len(list(server.metrics_dir.glob("histogram_*.db"))) < 2 and sent < 1000):
        assert server.get("/accounts/login/")[0] == 200
        sent += 1
    assert len(list(server.metrics_dir.glob("histogram_*.db"))) == 2

    # Whichever worker answers, the same total: each scrape is a new connection, which either worker may take.
    seen = [server.scrape().value(COUNT, **LOGIN) for _ in range(6)]
    assert seen == [before + sent] * 6
    assert not (server.metrics_dir / "counter_1.db").exists()
