"""/metrics: off until a token or an allow-list is set; a 403 for a scraper without the token or from elsewhere; no
session, no CSRF (docs/architecture.md#metrics)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core import checks
from django.test import Client

from childprotect.metrics.checks import check_metrics_settings
from tests.support.metrics import TOKEN, parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def with_token(settings):
    settings.CHILDPROTECT_METRICS_TOKEN = TOKEN
    settings.CHILDPROTECT_METRICS_ALLOW = []


@pytest.fixture
def with_allow_list(settings):
    settings.CHILDPROTECT_METRICS_TOKEN = ""
    settings.CHILDPROTECT_METRICS_ALLOW = ["10.20.0.0/16", "2001:db8::/32"]


def test_with_neither_a_token_nor_an_allow_list_the_endpoint_is_off(client, settings):
    settings.CHILDPROTECT_METRICS_TOKEN, settings.CHILDPROTECT_METRICS_ALLOW = "", []

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=bearer("anything")).status_code == 404
    assert client.post("/metrics").status_code == 404


@pytest.mark.usefixtures("with_token")
def test_without_the_token_a_scrape_is_refused(client):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers=bearer("")).status_code == 403


@pytest.mark.usefixtures("with_token")
@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {TOKEN[:-1]}",  # all but the last character
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",  # the right secret in another scheme
        TOKEN,  # no scheme
        f"Bearer {TOKEN.upper()}",
    ],
)
def test_a_wrong_token_is_refused(client, authorization):
    response = client.get("/metrics", headers={"authorization": authorization})

    assert response.status_code == 403
    assert b"childprotect" not in response.content


@pytest.mark.usefixtures("with_token")
def test_the_token_gets_the_exposition_without_a_session_or_a_cookie(client):
    response = client.get("/metrics", headers=bearer(TOKEN))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response and not response.cookies
    assert not Session.objects.exists()
    assert "childprotect_deadlines_open" in parse(response.content.decode()).families


@pytest.mark.usefixtures("with_token")
def test_a_scraper_needs_no_csrf_token_and_may_only_read():
    scraper = Client(enforce_csrf_checks=True)

    assert scraper.get("/metrics", headers=bearer(TOKEN)).status_code == 200
    assert scraper.head("/metrics", headers=bearer(TOKEN)).status_code == 200
    assert scraper.post("/metrics", headers=bearer(TOKEN)).status_code == 405
    assert scraper.post("/metrics").status_code == 403  # no token: refused before the method is looked at


@pytest.mark.usefixtures("with_allow_list")
@pytest.mark.parametrize(
    ("address", "status"),
    [("10.20.3.4", 200), ("10.21.0.1", 403), ("127.0.0.1", 403), ("2001:db8::7", 200), ("2001:db9::7", 403)],
)
def test_the_allow_list_admits_its_networks_only(address, status):
    assert Client(REMOTE_ADDR=address).get("/metrics").status_code == status


@pytest.mark.parametrize(
    ("address", "token", "status"),
    [("10.20.3.4", TOKEN, 200), ("10.20.3.4", "", 403), ("10.20.3.4", "wrong", 403), ("192.0.2.1", TOKEN, 403)],
)
def test_with_both_set_a_scrape_needs_both(settings, address, token, status):
    settings.CHILDPROTECT_METRICS_TOKEN = TOKEN
    settings.CHILDPROTECT_METRICS_ALLOW = ["10.20.0.0/16"]

    assert Client(REMOTE_ADDR=address).get("/metrics", headers=bearer(token)).status_code == status


def test_an_allow_list_entry_that_is_no_network_fails_the_checks(settings):
    settings.CHILDPROTECT_METRICS_ALLOW = ["10.0.0.0/8", "10.0.0.300/32", "intranet"]

    found = check_metrics_settings()

    assert [(type(m), m.id) for m in found] == [(checks.Error, "metrics.E001")] * 2
    assert "10.0.0.300/32" in found[0].msg and "intranet" in found[1].msg
