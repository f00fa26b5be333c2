"""A request through Django's WSGI handler itself (what gunicorn calls), in the test's thread and so in its
transaction: for what only the WSGI entry point does (Sentry's WSGI middleware records the URL, method and headers
there; the test client goes round it)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@dataclass
class WsgiResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def wsgi_post(
    path: str, form: dict[str, str], *, query: str = "", headers: dict[str, str], cookies: dict[str, str]
) -> WsgiResponse:
    body = urlencode(form).encode()
    environ: dict = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",  # the proxy (TRUSTED_PROXIES' default), whose X-Request-ID is believed
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    setup_testing_defaults(environ)
    started: list = []

    def start_response(status: str, response_headers: list, exc_info: object = None) -> Callable[[bytes], object]:
        started.append((int(status.split()[0]), dict(response_headers)))
        return lambda data: None

    # As the test client does: a request's start and end must not close the test's connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = WSGIHandler()(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    status, response_headers = started[0]
    return WsgiResponse(status=status, headers=response_headers, body=content)
