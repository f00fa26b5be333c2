"""Which proxies are believed (childprotect/proxies.py): the client's address the audit log and the lockout use, and
the forwarding headers a request straight to the server loses. Requests built with RequestFactory; no database."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from childprotect.audit.middleware import client_ip
from childprotect.proxies import FORWARDED_HEADERS, ForwardedHeadersMiddleware, parse_ip

PROXIES = override_settings(TRUSTED_PROXIES=["10.0.0.2", "10.1.0.0/16", "fd00::/64"])


def request(remote: str, forwarded: str | None = None, **meta: str) -> HttpRequest:
    req = RequestFactory().get("/")
    req.META.update({"REMOTE_ADDR": remote, **meta})
    if forwarded is not None:
        req.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return req


def test_by_default_only_a_proxy_on_the_same_machine_is_trusted():
    assert settings.TRUSTED_PROXIES == ["127.0.0.1", "::1"]
    assert client_ip(request("127.0.0.1", "203.0.113.7")) == "203.0.113.7"
    assert client_ip(request("::1", "203.0.113.7")) == "203.0.113.7"
    assert client_ip(request("127.0.0.2", "203.0.113.7")) == "127.0.0.2"
    assert client_ip(request("198.51.100.1", "203.0.113.7")) == "198.51.100.1"


@PROXIES
@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # not through a proxy: the header, whatever it says, is someone's claim
        ("198.51.100.9", "1.2.3.4", "198.51.100.9"),
        ("198.51.100.9", "10.0.0.2", "198.51.100.9"),
        ("198.51.100.9", None, "198.51.100.9"),
        # one trusted proxy: the address it appended
        ("10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", " 203.0.113.7 ", "203.0.113.7"),
        # what the client wrote to the left of it is ignored
        ("10.0.0.2", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        ("10.0.0.2", "1.2.3.4,203.0.113.7", "203.0.113.7"),
        # a chain of trusted proxies (an address and a network) is walked through to the first untrusted address
        ("10.0.0.2", "1.2.3.4, 203.0.113.7, 10.1.4.5", "203.0.113.7"),
        ("10.1.0.1", "203.0.113.7, 10.1.4.5, 10.0.0.2", "203.0.113.7"),
        # a trusted proxy with no header, or an empty one: the proxy itself
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", " , ", "10.0.0.2"),
        # every hop trusted: the leftmost (a health check from inside)
        ("10.0.0.2", "10.1.2.3, 10.0.0.2", "10.1.2.3"),
        # garbage: nothing from there leftwards is believed; the last address believed stands
        ("10.0.0.2", "unknown", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.7, <script>", "10.0.0.2"),
        ("10.0.0.2", "203.0.113.7, 10.1.4.5, 999.1.1.1", "10.0.0.2"),
        ("10.0.0.2", "1.2.3.4, garbage, 10.1.4.5", "10.1.4.5"),
        ("10.0.0.2", "203.0.113.7/24", "10.0.0.2"),
        # ports and brackets as some proxies write them; IPv6 clients, normalised
        ("10.0.0.2", "203.0.113.7:51234", "203.0.113.7"),
        ("10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.2", "2001:DB8:0:0::1", "2001:db8::1"),
        ("fd00::5", "2001:db8::7", "2001:db8::7"),
        ("fd00::5", "2001:db8::7, fd00::9", "2001:db8::7"),
        ("fd01::5", "2001:db8::7", "fd01::5"),
        # an IPv4 peer on a dual-stack socket is the IPv4 address, trusted or not as such
        ("::ffff:10.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("::ffff:198.51.100.9", "203.0.113.7", "198.51.100.9"),
    ],
)
def test_x_forwarded_for_is_read_from_the_right_and_only_through_trusted_proxies(remote, forwarded, client):
    assert client_ip(request(remote, forwarded)) == client


def test_a_peer_that_is_no_address_gives_none():
    assert client_ip(request("")) is None
    assert client_ip(request("unix:/run/gunicorn.sock", "1.2.3.4")) is None


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.2.3.4", "1.2.3.4"),
        ("1.2.3.4:80", "1.2.3.4"),
        ("[::1]", "::1"),
        ("[::1]:8000", "::1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("localhost", None),
        ("1.2.3", None),
        ("", None),
        (None, None),
        ("1.2.3.4:80:90", None),
    ],
)
def test_parse_ip(text, parsed):
    address = parse_ip(text)
    assert (str(address) if address is not None else None) == parsed


def seen_by_the_view(remote: str) -> dict[str, object]:
    seen: dict[str, object] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen.update({key: req.META.get(key) for key in FORWARDED_HEADERS})
        seen["secure"] = req.is_secure()
        return HttpResponse()

    headers = {
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "evil.example",
        "HTTP_X_FORWARDED_PORT": "443",
        "HTTP_X_FORWARDED_FOR": "1.2.3.4",
    }
    ForwardedHeadersMiddleware(view)(request(remote, **headers))
    return seen


@PROXIES
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_the_forwarding_headers_of_a_request_not_from_a_trusted_proxy_are_removed():
    direct = seen_by_the_view("198.51.100.9")
    assert direct == {**dict.fromkeys(FORWARDED_HEADERS), "secure": False}

    proxied = seen_by_the_view("10.1.2.3")
    assert proxied["secure"] is True
    assert proxied["HTTP_X_FORWARDED_PROTO"] == "https" and proxied["HTTP_X_FORWARDED_FOR"] == "1.2.3.4"


def test_the_middleware_runs_before_django_reads_the_scheme():
    middleware = settings.MIDDLEWARE
    forwarded = middleware.index("childprotect.proxies.ForwardedHeadersMiddleware")
    # Only the request timer comes first: it reads no forwarded header (it times everything after it).
    assert middleware[:forwarded] == ["childprotect.metrics.middleware.RequestMetricsMiddleware"]
    assert middleware.index("django.middleware.security.SecurityMiddleware") > forwarded


def test_the_lockout_counts_by_the_same_address_as_the_audit_log():
    assert settings.AXES_CLIENT_IP_CALLABLE == "childprotect.audit.middleware.client_ip"
