"""The production shape as docker-compose.yml writes it (no Docker engine here: `make compose-check` validates the file
with docker-compose, these tests what it says): only the TLS proxy is reachable, every service has a health check and
starts after what it needs, the proxy's Caddyfile is valid for each certificate choice and agrees with the settings
and gunicorn's, and the health check scripts answer for real."""

from __future__ import annotations

import datetime
import http.server
import os
import re
import runpy
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

from tests.support.redis_server import RedisServer
from tests.support.tls_proxy import CADDY, CADDYFILE, Client, caddy_proxy

ROOT = Path(__file__).resolve().parents[2]
HEALTHCHECK = ROOT / "childprotect" / "deploy" / "healthcheck.py"
APP_SERVICES = ("web", "worker", "worker-messages", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def caddyfile_value(directive: str) -> str:
    (value,) = re.findall(rf"^\s*{directive} (\S+)$", CADDYFILE.read_text(), re.MULTILINE)
    return value


def seconds(duration: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([sm])", duration).groups()  # type: ignore[union-attr]
    return int(number) * (60 if unit == "m" else 1)


def test_the_file_is_the_compose_specification_which_both_compose_tools_read(compose):
    assert "version" not in compose  # 3.x formats refuse depends_on conditions; v2 ignores the key with a warning


def test_only_the_proxy_is_reachable_from_outside(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert {p.split(":")[0] for p in services["proxy"]["ports"]} == {"80", "443"}
    assert services["web"]["expose"] == ["8000"]
    assert services["proxy"]["environment"]["UPSTREAM"] == "web:8000"
    assert "./childprotect/deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]


def test_every_service_has_a_health_check_and_starts_after_what_it_needs(compose):
    services = compose["services"]
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name

    def needs(name: str) -> dict[str, str]:
        return {dep: cond["condition"] for dep, cond in services[name]["depends_on"].items()}

    assert needs("proxy") == {"web": "service_healthy"}
    assert needs("web") == {"db": "service_healthy", "redis": "service_healthy"}
    for name in ("worker", "worker-messages", "beat"):
        assert needs(name) == {"web": "service_healthy", "redis": "service_healthy"}  # web has migrated

    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "childprotect/deploy/healthcheck.py", "web",
                                                      "/healthz"]  # fmt: skip
    assert services["beat"]["healthcheck"]["test"][-1] == "broker"
    assert "pg_isready" in services["db"]["healthcheck"]["test"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize(("service", "node"), [("worker", "jobs"), ("worker-messages", "messages")])
def test_a_worker_is_healthy_when_it_answers_a_ping_by_its_own_name(compose, service, node):
    spec = compose["services"][service]
    assert f" -n {node}@%h" in spec["command"]  # %h: the container's hostname, which is $HOSTNAME inside it
    (check,) = spec["healthcheck"]["test"][1:]
    assert check.startswith(f"celery -A childprotect inspect ping -d {node}@$$HOSTNAME ")  # $$: a $ for the shell


def test_workers_get_time_to_finish_their_tasks_when_stopped(compose):
    services = compose["services"]
    assert seconds(services["worker"]["stop_grace_period"]) >= 5 * 60
    assert seconds(services["worker-messages"]["stop_grace_period"]) > settings.CHILDPROTECT_ALERT_SEND_TIME_LIMIT
    gunicorn = runpy.run_path(str(ROOT / "childprotect/deploy/gunicorn.conf.py"))
    assert seconds(services["web"]["stop_grace_period"]) > gunicorn["graceful_timeout"]


def test_the_application_trusts_the_compose_network_and_its_own_loopback(compose):
    environment = compose["x-app-environment"]
    (subnet,) = compose["networks"]["default"]["ipam"]["config"]
    assert environment["TRUSTED_PROXIES"] == f"{subnet['subnet']},127.0.0.1"
    assert subnet["subnet"].startswith("${CHILDPROTECT_NETWORK:-")
    for name in APP_SERVICES:
        assert compose["services"][name]["environment"] == environment, name


def test_the_proxys_limits_fit_the_application_and_gunicorn():
    gunicorn = runpy.run_path(str(ROOT / "childprotect/deploy/gunicorn.conf.py"))
    max_size = caddyfile_value("max_size")
    assert max_size == "33MB"  # 33,000,000 bytes: the largest import and its form fit
    assert settings.CHILDPROTECT_IMPORT_MAX_BYTES + 1_000_000 < 33_000_000
    assert re.search(r"header_regexp Content-Length \^\(\\d\{9,\}\|\(3\[3-9\]\|\[4-9\]\\d\)\\d\{6\}\)\$",
                     CADDYFILE.read_text())  # fmt: skip
    assert seconds(caddyfile_value("response_header_timeout")) > gunicorn["timeout"]
    assert seconds(caddyfile_value("keepalive")) < gunicorn["keepalive"]
    assert "header_up X-Request-ID {http.request.uuid}" in CADDYFILE.read_text()


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "childprotect.example.vn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("childprotect.example.vn")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.mark.skipif(not Path(CADDY).exists(), reason="needs Debian's caddy (.ci/system-packages test)")
@pytest.mark.parametrize("choice", ["default", "internal", "acme", "provided"])
def test_caddy_validates_the_caddyfile_for_each_certificate_choice(tmp_path, choice):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "SITE_ADDRESS": "childprotect.example.vn"}  # fmt: skip
    if choice == "internal":
        env["CADDY_TLS"] = "internal"
    elif choice == "acme":
        env["CADDY_TLS"] = "admin@example.vn"
    elif choice == "provided":
        env["CADDY_TLS"] = " ".join(str(p) for p in self_signed(tmp_path))
    command = [CADDY, "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    assert done.returncode == 0 and "Valid configuration" in done.stdout + done.stderr, done.stderr[-2000:]
    adapted = subprocess.run(  # noqa: S603
        [CADDY, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    if choice == "acme":
        assert '"module":"acme"' in adapted.replace(" ", "") and "admin@example.vn" in adapted
    elif choice == "provided":
        assert "load_files" in adapted and "cert.pem" in adapted
    else:
        assert '"module":"internal"' in adapted.replace(" ", "")


def run_healthcheck(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "PORT", "ALLOWED_HOSTS")}
    return subprocess.run(  # noqa: S603
        [sys.executable, str(HEALTHCHECK), *args], env=clean | env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def test_the_broker_health_check_connects_to_the_broker_for_real(tmp_path):
    redis = RedisServer()
    redis.start()
    try:
        assert run_healthcheck("broker", CELERY_BROKER_URL=redis.url).returncode == 0
    finally:
        redis.stop()
    down = run_healthcheck("broker", CELERY_BROKER_URL=redis.url)
    assert down.returncode == 1 and "broker" in down.stderr
    assert run_healthcheck("broker").returncode == 1
    assert run_healthcheck("nonsense").returncode == 2


def test_the_web_health_check_fails_when_nothing_answers():
    from devtools.bench.race import free_port

    done = run_healthcheck("web", "/healthz", PORT=str(free_port()))
    assert done.returncode == 1 and "/healthz" in done.stderr


@pytest.mark.skipif(not Path(CADDY).exists(), reason="needs Debian's caddy (.ci/system-packages test)")
def test_the_proxy_tells_the_server_who_asked_over_what_and_names_the_request(tmp_path):
    seen: list[dict[str, str]] = []

    class Upstream(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with caddy_proxy(f"127.0.0.1:{server.server_address[1]}", tmp_path) as proxy:
            browser = Client(proxy.https_port, proxy.root_ca, source="127.0.0.3")
            forged = {"X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "http", "X-Request-ID": "mine"}
            assert browser.get("/page/", headers=forged).status == 200
    finally:
        server.shutdown()
        server.server_close()

    headers = seen[-1]
    assert headers["X-Forwarded-For"] == "127.0.0.3"  # the connection's address; the browser's claim replaced
    assert headers["X-Forwarded-Proto"] == "https"
    assert headers["Host"] == f"localhost:{proxy.https_port}"  # the Host the browser asked for, kept
    assert uuid.UUID(headers["X-Request-Id"]).version == 4  # the proxy's own, not the browser's
