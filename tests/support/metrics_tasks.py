"""A test-only task whose outcome the caller chooses, for the task counters (tests/metrics): run eagerly in the test's
process, or by a real worker that loads this module (`celery worker -I tests.support.metrics_tasks`)."""

from __future__ import annotations

from typing import Any

from childprotect.celery import app

OUTCOME = "tests.support.metrics_tasks.outcome"


class Refused(Exception):
    pass


@app.task(name=OUTCOME, bind=True, max_retries=1)
def outcome(self: Any, wanted: str) -> str:
    """ "ok": succeeds; "fail": raises; "retry": asks for one retry, then succeeds on it."""
    if wanted == "fail":
        raise Refused("chosen to fail")
    if wanted == "retry" and self.request.retries == 0:
        raise self.retry(countdown=0)
    return "ok"
