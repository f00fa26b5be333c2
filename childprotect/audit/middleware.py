from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from childprotect.proxies import forwarded_client

from .context import current_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy of TRUSTED_PROXIES, what X-Forwarded-For says the client
    was (childprotect/proxies.py). The audit log records it; django-axes counts failed logins by it."""
    return forwarded_client(request)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
