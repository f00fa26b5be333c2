from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from childprotect.proxies import is_trusted_proxy, parse_ip

from .context import REQUEST_ID_META, current_request, current_request_id, request_id_from

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """First in MIDDLEWARE: every log line, error mail and Sentry event of the request carries its id, and so does the
    response (X-Request-ID), for a person reporting a fault to quote it. The proxy's id is kept when it is safe and
    comes from a proxy of TRUSTED_PROXIES (a browser's own is replaced: it could pose as another request's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from_proxy = is_trusted_proxy(parse_ip(request.META.get("REMOTE_ADDR")))
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER) if from_proxy else None)
        request.META[REQUEST_ID_META] = request_id
        id_token = current_request_id.set(request_id)
        request_token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(request_token)
            current_request_id.reset(id_token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class UserIdMiddleware:
    """Just after AuthenticationMiddleware: looks the signed-in person up once, so that the lines written from here on
    carry their id (log lines never look the user up themselves)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None:
            bool(user.is_authenticated)  # loads the lazy user
        return self.get_response(request)
