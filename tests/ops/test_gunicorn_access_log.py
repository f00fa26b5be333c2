"""Gunicorn's access log in production: JSON lines, like the application's, with the request id the application
answered with and the path without its query string; text in development."""

from __future__ import annotations

import http.client
import json
import re
import runpy
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.gunicorn_server import gunicorn_production
from tests.support.tls_proxy import CADDY, Client, caddy_proxy

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "childprotect/deploy/gunicorn.conf.py"
CHILD_NAME = "Lò Thị Bích Ngọc"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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


def access_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if '"gunicorn.access"' in line]


def test_a_real_gunicorn_writes_one_json_access_line_with_the_request_id(tmp_path):
    with gunicorn_production(tmp_path) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request(
            "GET",
            f"/cases/?tim={quote(CHILD_NAME)}",
            headers={"X-Request-ID": "edge-42", "User-Agent": 'Browser "quoted" \\ 1.0'},
        )
        answer = connection.getresponse()
        status, request_id = answer.status, answer.headers["X-Request-ID"]  # the redirect to https
        connection.close()
    output = server.output()

    assert (status, request_id) == (301, "edge-42")
    access = access_lines(output)
    assert len(access) == 1, output
    line = access[0]
    assert line["request_id"] == "edge-42"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/cases/", 301)
    assert line["time"].endswith("Z") and line["duration_ms"] >= 0
    assert CHILD_NAME not in output and quote(CHILD_NAME) not in output and "tim=" not in output


@pytest.mark.skipif(not Path(CADDY).exists(), reason="needs Debian's caddy (.ci/system-packages test)")
def test_behind_the_proxy_the_request_id_is_the_proxy_s(tmp_path):
    """The repository's Caddyfile sets X-Request-ID itself (a UUID), replacing a browser's: the response, the access
    line and the application (which sends the anonymous visitor to the login page) carry the proxy's id."""
    with gunicorn_production(tmp_path, TRUSTED_PROXIES="127.0.0.1") as server:
        (tmp_path / "caddy").mkdir()
        with caddy_proxy(f"127.0.0.1:{server.port}", tmp_path / "caddy") as proxy:
            answer = Client(proxy.https_port, proxy.root_ca, source="127.0.0.3").get(
                f"/cases/?tim={quote(CHILD_NAME)}", headers={"X-Request-ID": "chosen-by-the-browser"}
            )
    output = server.output()

    assert answer.status == 302 and "/accounts/login/" in answer.headers["Location"]  # not redirected to https
    request_id = answer.headers["X-Request-ID"]
    assert UUID.fullmatch(request_id), request_id
    # (the proxy's start-up probe, HEAD /, has its own line)
    (access,) = [line for line in access_lines(output) if line["path"] == "/cases/"]
    assert (access["request_id"], access["status"]) == (request_id, 302)
    assert "chosen-by-the-browser" not in output and CHILD_NAME not in output and "tim=" not in output
