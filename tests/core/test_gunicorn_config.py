"""The production gunicorn settings (childprotect/deploy/gunicorn.conf.py): what they say, that gunicorn knows every
one of them, and that the image, docker-compose.yml and the bench drivers start gunicorn with them."""

from __future__ import annotations

import re
import runpy
import types
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "childprotect/deploy/gunicorn.conf.py"
COMMAND = f"gunicorn -c {CONFIG} childprotect.wsgi"


def settings_of(monkeypatch, **env: str) -> dict[str, Any]:
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(ROOT / CONFIG))
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_") and k.islower() and not isinstance(v, types.ModuleType) and k not in {"annotations"}
    }


def test_the_settings_and_their_defaults(monkeypatch):
    settings = settings_of(monkeypatch)

    assert settings["bind"] == "0.0.0.0:8000"
    assert settings["worker_class"] == "gthread"
    assert (settings["workers"], settings["threads"]) == (3, 4)
    assert settings["timeout"] == 120
    assert 0 < settings["graceful_timeout"] <= settings["timeout"]
    assert settings["keepalive"] > 0
    assert settings["max_requests"] > 0 and 0 < settings["max_requests_jitter"] < settings["max_requests"]
    assert settings["accesslog"] == "-"
    assert settings["control_socket_disable"] is True
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"  # Django's TRUSTED_PROXIES default


def test_the_environment_sets_the_port_and_the_sizes(monkeypatch):
    settings = settings_of(monkeypatch, PORT="9001", WEB_CONCURRENCY="5", GUNICORN_THREADS="2", GUNICORN_TIMEOUT="300")

    assert settings["bind"] == "0.0.0.0:9001"
    assert (settings["workers"], settings["threads"], settings["timeout"]) == (5, 2, 300)


def test_gunicorn_believes_x_forwarded_proto_from_the_same_proxies_as_django(monkeypatch):
    settings = settings_of(monkeypatch, TRUSTED_PROXIES="172.22.21.0/24, 127.0.0.1")

    assert settings["forwarded_allow_ips"] == "172.22.21.0/24,127.0.0.1"
    config = Config()
    config.set("forwarded_allow_ips", settings["forwarded_allow_ips"])
    assert [str(n) for n in config.forwarded_allow_networks()] == ["172.22.21.0/24", "127.0.0.1/32"]


def test_gunicorn_knows_and_accepts_every_setting(monkeypatch):
    config = Config()
    settings = settings_of(monkeypatch)
    unknown = {name for name in settings if name not in config.settings}
    assert not unknown
    for name, value in settings.items():
        if name in config.settings:
            config.set(name, value)  # validates the value as the command line would
    assert config.worker_class_str == "gthread" and config.workers == 3 and config.threads == 4


def test_the_image_and_compose_start_gunicorn_with_the_file():
    dockerfile = (ROOT / "childprotect/deploy/Dockerfile").read_text()
    # The file is at the same relative path inside the image: WORKDIR /app, the repository copied there.
    assert "WORKDIR /app" in dockerfile and re.search(r"^COPY \. \.$", dockerfile, re.MULTILINE)
    (cmd,) = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)
    assert cmd == '["gunicorn", "-c", "childprotect/deploy/gunicorn.conf.py", "childprotect.wsgi"]'
    assert CONFIG not in (ROOT / ".dockerignore").read_text()

    compose = (ROOT / "docker-compose.yml").read_text()
    (web,) = re.findall(r"^    command: .*gunicorn.*$", compose, re.MULTILINE)
    assert web.endswith(f'&& {COMMAND}"')
    assert "--workers" not in compose and "--bind" not in compose


@pytest.mark.parametrize("overrides", [(), ("-b", "127.0.0.1:9999", "-w", "2")])
def test_the_bench_drivers_start_gunicorn_with_the_file_and_their_own_address(overrides):
    from devtools.bench.race import gunicorn

    command = gunicorn(*overrides)

    assert command[1:3] == ["-c", str(ROOT / CONFIG)] and Path(command[2]).is_file()
    assert command[3:-1] == list(overrides) and command[-1] == "childprotect.wsgi"
