"""A task's log lines carry the id of the request that queued it (and that request's user id): both travel in the
task message's headers. Connected from childprotect/celery.py, in the web processes and in the workers alike."""

from __future__ import annotations

from typing import Any

from celery import signals

from .context import current_request_id, current_task_user_id, current_user_id

REQUEST_ID_HEADER = "childprotect_request_id"
USER_ID_HEADER = "childprotect_user_id"

_tokens: dict[str, tuple[Any, Any]] = {}


def _put_request_id_in_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is None:
        return
    request_id = current_request_id.get()
    if request_id:
        headers.setdefault(REQUEST_ID_HEADER, request_id)
        user_id = current_user_id()
        if user_id is not None:
            headers.setdefault(USER_ID_HEADER, user_id)


def _take_request_id_from_headers(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task is None or task_id is None:
        return
    request = task.request
    # Run eagerly (tests, apply()), the task is still inside the request: its context stands.
    # A worker puts the message's headers on the request; apply(headers=...) keeps them apart.
    headers = dict(request.get("headers") or {})
    for name in (REQUEST_ID_HEADER, USER_ID_HEADER):
        if request.get(name) is not None:
            headers[name] = request.get(name)
    request_id = headers.get(REQUEST_ID_HEADER) or current_request_id.get()
    user_id = headers.get(USER_ID_HEADER)
    if user_id is None:
        user_id = current_user_id()
    _tokens[task_id] = (current_request_id.set(request_id), current_task_user_id.set(user_id))


def _forget_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    tokens = _tokens.pop(task_id or "", None)
    if tokens is None:
        return
    try:
        current_task_user_id.reset(tokens[1])
        current_request_id.reset(tokens[0])
    except ValueError:  # set in another context (a pool that switches them): leave it; the next task sets its own
        pass


signals.before_task_publish.connect(_put_request_id_in_headers)
signals.task_prerun.connect(_take_request_id_from_headers)
signals.task_postrun.connect(_forget_request_id)
