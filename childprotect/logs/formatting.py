"""Log lines: every record gets the request id and the user's numeric id; in production one JSON object a line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

from .context import REQUEST_ID_META, current_request_id, current_user_id, loaded_user_id


def utc_iso(moment: datetime) -> str:
    """2026-12-05T15:04:05.123Z: UTC, whatever the server's or the project's time zone (log collectors expect it)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestContextFilter(logging.Filter):
    """On the handler (a filter on a logger would miss the records its children pass up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django's line about a 4xx or 5xx response is written after the middleware returned: its record carries
        # the request itself.
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = None
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get() or (request and request.META.get(REQUEST_ID_META))
        if not hasattr(record, "user_id"):
            user_id = current_user_id()
            record.user_id = user_id if user_id is not None or request is None else loaded_user_id(request)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601 with milliseconds), level, logger, message, request_id, user_id,
    and exc_info (the traceback as text) when there is one. Newlines inside are escaped, so a message cannot forge a
    second line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": utc_iso(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """For a terminal: `… INFO cases.views [3f2a… user=12] message`, a dash where there is no request or user."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        values = dict(record.__dict__)
        for name in ("request_id", "user_id"):
            if values.get(name) is None:
                values[name] = "-"
        return self._style._fmt % values
