"""/healthz and /readyz (docs/architecture.md#health-heartbeats-and-alarms): public, never cached, no session, no
write, no detail; 503 only when this process cannot serve, "degraded" (200) when the background machinery stopped;
and the red banner on the home page of administrators and supervisors."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from childprotect.health.models import Component
from childprotect.health.services import heartbeat_record, scan_run_record
from childprotect.health.views import STATUS_HEADER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

BASE_DIR = Path(__file__).resolve().parents[2]
CHECKS = {"database", "cache", "broker", "migrations", "deadline_scan", "workers", "queues"}


def stop_the_scan(clock, settings) -> None:
    scan_run_record({})
    clock.shift(dt.timedelta(minutes=settings.CHILDPROTECT_SCAN_STALE_MINUTES + 1))


def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_ok_when_everything_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200 and response[STATUS_HEADER] == "ok"
    assert response.json() == {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}
    assert "no-store" in response["Cache-Control"]


def test_readyz_writes_nothing_and_makes_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.head("/readyz")
    assert response.status_code == 200
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries), queries
    assert "Set-Cookie" not in response and "sessionid" not in response.cookies
    assert Session.objects.count() == 0


def test_a_stopped_scan_or_a_lost_worker_is_degraded_not_out_of_rotation(client, clock, settings):
    heartbeat_record(kind=Component.WORKER, name="jobs@web1")
    stop_the_scan(clock, settings)

    response = client.get("/readyz")

    assert response.status_code == 200 and response[STATUS_HEADER] == "degraded"
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["deadline_scan"] == "fail" and body["checks"]["workers"] == "fail"
    assert body["checks"]["database"] == body["checks"]["broker"] == "ok"


def test_an_unreachable_broker_fails_readiness_without_saying_why(client, settings):
    settings.CELERY_BROKER_URL = "redis://10.0.0.99:6399/0"  # a host name or address must not be echoed
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.CHILDPROTECT_HEALTH_BROKER_TIMEOUT = 0.5

    response = client.get("/readyz")

    assert response.status_code == 503 and response[STATUS_HEADER] == "fail"
    assert response.json()["status"] == "fail" and response.json()["checks"]["broker"] == "fail"
    assert set(json.dumps(response.json())) <= set('{}":, abcdefghijklmnopqrstuvwxyz_')  # words only, no address


def test_a_cache_that_fails_fails_readiness(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:9/0"}}  # fmt: skip

    response = client.get("/readyz")

    assert response.status_code == 503 and response.json()["checks"]["cache"] == "fail"


def test_the_probes_take_no_post(client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_in_production_the_probes_are_not_redirected_to_https_but_pages_are(tmp_path):
    """Probes ask over the internal network in plain http (SECURE_REDIRECT_EXEMPT in settings.py)."""
    code = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "print(c.get('/healthz').status_code, c.get('/accounts/login/').status_code)"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_SSL_REDIRECT"}}
    env.update({"DJANGO_SETTINGS_MODULE": "childprotect.settings", "DJANGO_PRODUCTION": "1",
                "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "testserver",
                "CHILDPROTECT_VAR_DIR": str(tmp_path / "var")})  # fmt: skip
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.split()[-2:] == ["200", "301"], done.stderr


# --- the banner ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "shown"), [("administrator", True), ("supervisor", True), ("officer_a", False),
                                             ("chair_a", False)])  # fmt: skip
def test_the_home_page_says_the_scan_stopped_to_administrators_and_supervisors_only(
    request, clock, settings, who, shown
):
    user = request.getfixturevalue(who)
    stop_the_scan(clock, settings)
    client = Client()
    client.force_login(user)

    page = client.get("/").content.decode()

    assert ('id="health-alarm"' in page) is shown
    assert ("Lịch quét thời hạn đã dừng từ 09:00 20/11/2026" in page) is shown


def test_no_banner_while_all_is_well(client, administrator):
    scan_run_record({})
    client.force_login(administrator)
    assert 'id="health-alarm"' not in client.get("/").content.decode()
