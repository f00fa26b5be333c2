"""Gunicorn's access log as JSON lines, like the application's (childprotect/deploy/gunicorn.conf.py sets it as
logger_class when logs are JSON). Written by json.dumps, not by access_log_format: gunicorn puts a header's value
into its format unescaped, and a quote in a User-Agent would break the line. The path is logged without its query
string (a search may be a child's name); the request id is the one the application answered with."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from .formatting import utc_iso


class JsonAccessLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        response_headers = dict((name.lower(), value) for name, value in (resp.headers or []))
        entry = {
            "time": utc_iso(datetime.now(UTC)),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{environ.get('REQUEST_METHOD', '-')} {environ.get('PATH_INFO', '-')} {status}",
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
            "remote_addr": environ.get("REMOTE_ADDR"),
            "request_id": response_headers.get("x-request-id"),
        }
        try:
            self.access_log.info(json.dumps(entry, ensure_ascii=False))
        except Exception:  # gunicorn's own access() does the same: a log line never fails a request
            self.exception("access log")
