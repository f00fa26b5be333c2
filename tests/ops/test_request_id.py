"""The request id: taken from the proxy's X-Request-ID when it is a plain token, made otherwise, and sent back on
every response (redirects and refusals too)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

HEX_ID = re.compile(r"[0-9a-f]{32}")


def test_a_response_carries_a_new_id_when_none_came(client):
    first = client.get("/accounts/login/")
    second = client.get("/accounts/login/")

    assert HEX_ID.fullmatch(first["X-Request-ID"])
    assert HEX_ID.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["abc-123", "0f1e2d3c4b5a", "req_1.edge-7", "a" * 64])
def test_a_safe_incoming_id_is_kept(client, incoming):
    response = client.get("/accounts/login/", headers={"X-Request-ID": incoming})

    assert response["X-Request-ID"] == incoming


def test_an_id_from_a_peer_that_is_no_trusted_proxy_is_replaced(client):
    response = client.get("/accounts/login/", headers={"X-Request-ID": "abc-123"}, REMOTE_ADDR="192.0.2.7")

    assert HEX_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.parametrize(
    "incoming",
    ["abc\nFORGED 500 line", "a" * 200, "a" * 65, "has space", "<script>", "id;rm", "Nguyễn", ""],
)
def test_an_unsafe_incoming_id_is_replaced(client, incoming):
    response = client.get("/accounts/login/", headers={"X-Request-ID": incoming})

    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_a_redirect_and_a_not_found_carry_the_id_too(client):
    redirect = client.get("/", headers={"X-Request-ID": "r-1"})
    missing = client.get("/no-such-page/", headers={"X-Request-ID": "r-2"})

    assert redirect.status_code == 302 and redirect["X-Request-ID"] == "r-1"
    assert missing.status_code == 404 and missing["X-Request-ID"] == "r-2"


def test_the_middleware_comes_early_and_the_user_id_after_authentication():
    middleware = settings.MIDDLEWARE
    # After the request timer only (which neither answers nor logs by itself).
    assert middleware.index("childprotect.logs.middleware.RequestIdMiddleware") == 1
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware[auth + 1] == "childprotect.logs.middleware.UserIdMiddleware"
