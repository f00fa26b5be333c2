"""Request latency and database queries per request, by view (docs/architecture.md#metrics)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram

from .registry import PROCESS

# Labels stay few: the view is the URL pattern's name (never the path, which carries ids), the method one of a fixed
# set, the status its class.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # no URL pattern matched (a 404 before any view)

REQUEST_SECONDS = Histogram(
    "childprotect_http_request_duration_seconds",
    "Time from the request reaching Django to its response (a streamed body's transfer not included), by view",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0),
    registry=PROCESS,
)
REQUEST_QUERIES = Histogram(
    "childprotect_http_request_queries",
    "Database queries run while answering one request, by view",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
    registry=PROCESS,
)


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None else None) or UNMATCHED


class QueryCounter:
    """connection.execute_wrapper: counts the statements run on a connection (each of executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so the time and the queries of every other middleware are the request's too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            # Every configured database (a read replica too); the wrapper is per thread, as the connection is.
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_name(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(view, method, f"{response.status_code // 100}xx").observe(elapsed)
        REQUEST_QUERIES.labels(view).observe(counter.count)
        return response
