"""What a log line, an error mail or a Sentry event says about where it came from: the request's id and the signed-in
person's numeric id (never a name, a username or an address)."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

# The id of the request being served, or of the request that queued the task being run.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# The request being served: its user is read when a line is written (the API authenticates inside the view).
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)
# In a Celery task: the id of the person whose request queued it.
current_task_user_id: ContextVar[int | None] = ContextVar("current_task_user_id", default=None)

# Where the request keeps its id, for the lines written about it after the middleware has returned (Django logs a
# 4xx or 5xx response's "Not Found: /path" there, with the request on the record).
REQUEST_ID_META = "childprotect.request_id"

# Request headers that say nothing about a person or a record (lower case): the only ones an error report (a mail, a
# Sentry event) carries.
SAFE_HEADERS = frozenset(
    {"host", "user-agent", "accept", "accept-language", "content-type", "content-length", "x-request-id"}
)

# An id set by the reverse proxy is kept if it is a plain token; anything else (a newline that would forge a log
# line, a megabyte of text) is replaced by one of ours.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(incoming: str | None) -> str:
    if incoming and SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def loaded_user_id(request: HttpRequest) -> int | None:
    user: Any = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, LazyObject) and getattr(user, "_wrapped", empty) is empty:
        # Not looked up yet: a log line must not query the session (it may be written from inside a query).
        return None
    if not user.is_authenticated:
        return None
    pk = user.pk
    return pk if isinstance(pk, int) else None


def current_user_id() -> int | None:
    request = current_request.get()
    if request is not None:
        return loaded_user_id(request)
    return current_task_user_id.get()
