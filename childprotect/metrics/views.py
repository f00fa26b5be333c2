"""GET /metrics: the Prometheus exposition, for a scraper holding the token or coming from an allowed network.

Not a page of the product: no session is read or made, no CSRF (GET only), no login. Off (404, as if it did not
exist) until CHILDPROTECT_METRICS_TOKEN or CHILDPROTECT_METRICS_ALLOW is set; with both set, a scrape needs both.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from childprotect.audit.middleware import client_ip
from childprotect.proxies import address_in, networks_parse, parse_ip

from .registry import Scrape


def _token_ok(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Compared in constant time: the time taken says nothing of how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _address_ok(request: HttpRequest, networks: list[str]) -> bool:
    return address_in(parse_ip(client_ip(request)), networks_parse(tuple(networks), strict=False))


@csrf_exempt  # a scraper has no CSRF cookie; the view changes nothing, and any method but GET and HEAD is refused
def metrics(request: HttpRequest) -> HttpResponse:
    token: str = settings.CHILDPROTECT_METRICS_TOKEN
    networks: list[str] = settings.CHILDPROTECT_METRICS_ALLOW
    if not token and not networks:
        raise Http404
    if (token and not _token_ok(request, token)) or (networks and not _address_ok(request, networks)):
        return HttpResponseForbidden(b"", content_type="text/plain")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    # The classic text format (0.0.4): what every Prometheus version reads.
    response = HttpResponse(generate_latest(Scrape()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
