"""Gunicorn's access log in production: JSON lines, like the application's, with the request id the application
answered with and the path without its query string; text in development."""

from __future__ import annotations

import http.client
import json
import os
import runpy
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.sentry_server import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "childprotect/deploy/gunicorn.conf.py"
CHILD_NAME = "Lò Thị Bích Ngọc"


@pytest.mark.parametrize(
    ("env", "json_lines"),
    [
        ({}, False),
        ({"DJANGO_PRODUCTION": "1"}, True),
        ({"CHILDPROTECT_LOG_FORMAT": "json"}, True),
        ({"DJANGO_PRODUCTION": "1", "CHILDPROTECT_LOG_FORMAT": "text"}, False),
    ],
)
def test_the_access_log_is_json_when_the_application_logs_json(monkeypatch, env, json_lines):
    for name in ("DJANGO_PRODUCTION", "CHILDPROTECT_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    settings = runpy.run_path(str(CONFIG))

    assert (settings.get("logger_class") == "childprotect.logs.gunicorn.JsonAccessLogger") is json_lines


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def test_a_real_gunicorn_writes_one_json_access_line_with_the_request_id(tmp_path):
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CHILDPROTECT_LOG_FORMAT"}}
    environ.update(
        {
            "DJANGO_PRODUCTION": "1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CHILDPROTECT_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
        }
    )
    command = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "-b", f"127.0.0.1:{port}", "-w", "1"]
    process = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [*command, "childprotect.wsgi"], cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _wait_for(port, process)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "GET",
            f"/cases/?tim={quote(CHILD_NAME)}",
            headers={"X-Request-ID": "edge-42", "User-Agent": 'Browser "quoted" \\ 1.0'},
        )
        answer = connection.getresponse()
        status, request_id = answer.status, answer.headers["X-Request-ID"]  # the redirect to https
        connection.close()
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=60)

    assert (status, request_id) == (301, "edge-42")
    access = [json.loads(line) for line in stdout.decode().splitlines() if '"gunicorn.access"' in line]
    assert len(access) == 1, (stdout, stderr)
    line = access[0]
    assert line["request_id"] == "edge-42"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/cases/", 301)
    assert line["time"].endswith("Z") and line["duration_ms"] >= 0
    assert CHILD_NAME not in stdout.decode() and quote(CHILD_NAME) not in stdout.decode()
    assert "tim=" not in stdout.decode()
