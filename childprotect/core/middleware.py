from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views import defaults

logger = logging.getLogger(__name__)


class LanguageMiddleware:
    """Vietnamese unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many commune offices run an English
    Windows: the product would greet them in English. The choice is the user's, not the browser's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


RETRY_AFTER_SECONDS = 10


def is_database_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (or "busy"): another writer kept the lock past the busy timeout."""
    return isinstance(exc, OperationalError) and ("database is locked" in str(exc) or "database is busy" in str(exc))


def database_busy_response(request: HttpRequest) -> HttpResponse:
    response = render(request, "503.html", {"retry_after": RETRY_AFTER_SECONDS}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    """A write that waited the whole busy timeout for SQLite's lock (a large import running, many sessions) gets a
    Vietnamese "busy, try again" page with Retry-After instead of a 500. Every write is a service in one transaction,
    so the failed one has saved nothing; the page says so. PostgreSQL never raises this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        logger.warning("database busy: %s %s answered 503", request.method, request.path)
        return database_busy_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lock timeout raised outside a view (a middleware saving the session) is the busy page too."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_busy(exc):
        return database_busy_response(request)
    return defaults.server_error(request)
