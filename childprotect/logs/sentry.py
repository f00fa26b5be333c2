"""Optional error reports to Sentry (CHILDPROTECT_SENTRY_DSN). What leaves the server: the exception's type, the
stack trace's files, lines and code, the URL's path, the method, a few harmless headers, the request id and the
user's numeric id. Never: request bodies, query strings, cookies, other headers, local variables, exception
messages (a database error quotes the row), log arguments, breadcrumbs."""

from __future__ import annotations

from typing import Any

from .context import SAFE_HEADERS, current_request_id, current_user_id

# Contexts that describe the machine and the runtime, not the request.
SAFE_CONTEXTS = frozenset({"runtime", "os", "device", "app", "trace"})
SCRUBBED = "[scrubbed]"


def _scrub_frames(holder: dict[str, Any]) -> None:
    stacktrace = holder.get("stacktrace") or {}
    for frame in stacktrace.get("frames") or []:
        frame.pop("vars", None)


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """before_send: keep what identifies the fault, drop what could identify a child or a reporter."""
    request = event.get("request")
    if isinstance(request, dict):
        kept: dict[str, Any] = {key: request[key] for key in ("url", "method") if key in request}
        if isinstance(kept.get("url"), str):
            kept["url"] = kept["url"].split("?", 1)[0]
        headers = request.get("headers") or {}
        kept["headers"] = {name: value for name, value in headers.items() if name.lower() in SAFE_HEADERS}
        event["request"] = kept
    for holder_name in ("exception", "threads"):
        for holder in (event.get(holder_name) or {}).get("values") or []:
            if holder_name == "exception" and holder.get("value"):
                holder["value"] = SCRUBBED
            _scrub_frames(holder)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):  # keep the message as written in the code, not the values put into it
        event["logentry"] = {"message": logentry.get("message", "")}
    event.pop("extra", None)
    event["breadcrumbs"] = {"values": []}
    event["contexts"] = {k: v for k, v in (event.get("contexts") or {}).items() if k in SAFE_CONTEXTS}
    tags = {k: v for k, v in (event.get("tags") or {}).items() if k not in {"request_id", "user_id"}}
    request_id, user_id = current_request_id.get(), current_user_id()
    if request_id:
        tags["request_id"] = request_id
    if user_id is not None:
        tags["user_id"] = str(user_id)
        event["user"] = {"id": str(user_id)}
    else:
        event.pop("user", None)
    event["tags"] = tags
    return event


def sentry_start(*, dsn: str, environment: str, release: str) -> None:
    """Called from settings when a DSN is set (sentry_sdk is imported only then)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        # What the integrations collect, in the form that supersedes send_default_pii=False (deprecated since
        # sentry-sdk 2.7x): no user details, cookies, bodies, query strings, SQL values, task arguments or local
        # variables; headers from the safe list only. scrub_event checks it all again before anything is sent.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(SAFE_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "graphql": {"document": False, "variables": False},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
            "stack_frame_variables": False,
        },
        include_local_variables=False,
        max_request_body_size="never",
        max_breadcrumbs=0,
        traces_sample_rate=None,  # errors only: no performance traces
        auto_session_tracking=False,
        before_send=scrub_event,  # type: ignore[arg-type]
        integrations=[
            # The URL pattern, not the path, names an event: record ids stay out of the grouping.
            DjangoIntegration(transaction_style="url", middleware_spans=False, signals_spans=False, cache_spans=False),
            CeleryIntegration(monitor_beat_tasks=False),
        ],
    )
