"""A task's log lines carry the id of the request that queued it, on a real worker through the configured broker
(the filesystem transport by default, Redis in CI's second pass). The worker runs in a thread of this process
(celery.contrib.testing), which starts with none of the test's context: the id can only come in the message."""

from __future__ import annotations

import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from childprotect.celery import app
from childprotect.logs.context import current_request_id, current_task_user_id
from tests.support.log_tasks import log_line


@pytest.fixture
def private_worker():
    """A worker on a queue of this test's own, with an in-memory result backend to wait on."""
    queue = f"logs-{uuid.uuid4().hex[:8]}"
    before = app.conf.result_backend, app.conf.task_always_eager
    app.conf.update(result_backend="cache+memory://", task_always_eager=False)
    app._local.__dict__.pop("backend", None)  # Celery caches the backend per thread; take the new one
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20, queues=[queue]):
            yield queue
    finally:
        app.conf.update(result_backend=before[0], task_always_eager=before[1])
        app._local.__dict__.pop("backend", None)


def test_a_task_logs_the_request_id_and_user_id_of_the_request_that_queued_it(private_worker, json_log):
    request_token = current_request_id.set("queued-by-web-1")
    user_token = current_task_user_id.set(4242)
    try:
        result = log_line.apply_async(args=["trên worker thật"], queue=private_worker)
    finally:
        current_task_user_id.reset(user_token)
        current_request_id.reset(request_token)
    result.get(timeout=60)
    untagged = log_line.apply_async(args=["không có yêu cầu"], queue=private_worker)
    untagged.get(timeout=60)

    lines = {line["message"]: line for line in json_log.lines()}
    assert (lines["trên worker thật"]["request_id"], lines["trên worker thật"]["user_id"]) == ("queued-by-web-1", 4242)
    # The next task, queued outside any request, does not inherit the previous one's ids.
    assert (lines["không có yêu cầu"]["request_id"], lines["không có yêu cầu"]["user_id"]) == (None, None)
