"""`manage.py benchmark http`'s machinery without the application: its figures, its tables, and its client and
driver against a small HTTP server of the test's own (answers, errors, time-outs, closed connections counted)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devtools.bench.loadtest import Page, Run, _job_failed, _job_ready, drive
from devtools.bench.serving import Connection, Reply, memory_kb, percentile, table, worker_pids


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn
    seen: list[dict[str, str]] = []  # noqa: RUF012  (the requests' headers, for the test to read)

    def do_GET(self) -> None:  # noqa: N802
        Handler.seen.append(dict(self.headers))
        if self.path == "/slow":
            time.sleep(1.0)
        status = 500 if self.path == "/fail" else 200
        body = b"x" * 100
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "csrftoken=abc; Secure; Path=/")
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on /slow: the server's write fails, as it would in gunicorn


@pytest.fixture
def server() -> Iterator[int]:
    Handler.seen = []
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 95) == 0.0


def test_targets_follow_the_page_kind_and_the_level():
    def run(kind: str, clients: int, times: list[float], statuses: list[int]) -> tuple[str, str]:
        return Run(Page("p", "admin", "/", kind), clients, times, statuses).target()

    assert run("list", 1, [100.0] * 20, [200] * 20) == ("p95 ≤ 150 ms", "yes")
    assert run("search", 1, [100.0] * 18 + [400.0] * 2, [200] * 20) == ("p95 ≤ 150 ms", "NO")
    assert run("dashboard", 10, [500.0] * 20, [200] * 20) == ("p95 ≤ 600 ms", "yes")
    assert run("page", 1, [900.0] * 20, [200] * 20) == ("–", "–")
    assert run("page", 50, [900.0] * 20, [200] * 19 + [0]) == ("0 errors", "NO")


def test_tables_as_text_and_markdown():
    rows = [["national case list", "12"], ["inbox", "7"]]
    text = table(["Page", "ms"], rows, markdown=False, right=(1,))
    assert text.splitlines() == ["Page                ms", "national case list  12", "inbox                7"]
    markdown = table(["Page", "ms"], rows, markdown=True, right=(1,))
    assert markdown.splitlines() == ["| Page | ms |", "|---|--:|", "| national case list | 12 |", "| inbox | 7 |"]


def test_the_client_behaves_as_a_browser_behind_the_https_proxy(server):
    conn = Connection(server, {"sessionid": "s1"})
    first = conn.request("GET", "/")
    conn.request("GET", "/close")  # the server closes the connection: the next request opens another
    third = conn.request("GET", "/")
    conn.close()
    assert (first.status, len(first.body), third.status) == (200, 100, 200)
    assert conn.cookies == {"sessionid": "s1", "csrftoken": "abc"}  # a Secure cookie is kept over plain HTTP
    assert all(h["X-Forwarded-Proto"] == "https" for h in Handler.seen)
    assert Handler.seen[0]["Cookie"] == "sessionid=s1"
    assert Handler.seen[2]["Cookie"] == "sessionid=s1; csrftoken=abc"


def test_the_driver_counts_every_answer_and_every_error(server):
    ok = drive(server, {"sessionid": "s"}, Run(Page("ok", "admin", "/", "list"), 3), 30, 5.0, 5.0)
    assert len(ok.times) >= 30
    assert ok.errors == 0
    assert len(ok.statuses) == len(ok.times)
    assert ok.rate > 0
    failing = drive(server, {}, Run(Page("fail", "admin", "/fail", "list"), 2), 10, 5.0, 5.0)
    assert failing.errors == len(failing.statuses) >= 10
    slow = drive(server, {}, Run(Page("slow", "admin", "/slow", "list"), 2), 100, 0.5, 0.2)
    assert slow.failures["timeout"] == slow.errors >= 2  # unanswered within --timeout: an error, not a hang
    assert set(slow.statuses) == {0}


def test_a_job_page_says_when_its_file_is_ready():
    def reply(status: int, content_type: str, body: dict[str, object] | None = None, location: str = "") -> Reply:
        headers = Message()
        headers["Content-Type"] = content_type
        if location:
            headers["Location"] = location
        return Reply(status, headers, json.dumps(body).encode() if body is not None else b"<html>")

    assert _job_ready(reply(200, "application/json", {"status": "running"})) == ""
    ready: dict[str, object] = {"status": "done", "download_url": "/exports/1/file.xlsx"}
    assert _job_ready(reply(200, "application/json", ready)) == "/exports/1/file.xlsx"
    assert (
        _job_ready(reply(302, "text/html", location="https://127.0.0.1/exports/1/file.xlsx")) == "/exports/1/file.xlsx"
    )
    assert _job_ready(reply(200, "text/html")) == ""
    assert not _job_failed(reply(200, "application/json", {"status": "running", "finished": False}))
    assert not _job_failed(reply(200, "application/json", ready | {"finished": True}))
    assert _job_failed(reply(200, "application/json", {"status": "failed", "finished": True}))


def test_worker_memory_is_read_from_proc():
    child = subprocess.Popen(["sleep", "5"])  # noqa: S607
    try:
        assert child.pid in worker_pids(os.getpid())
        memory = memory_kb(child.pid)
        assert 0 < memory["VmRSS"] <= memory["VmHWM"]
    finally:
        child.kill()
        child.wait()
    assert memory_kb(child.pid) == {}
