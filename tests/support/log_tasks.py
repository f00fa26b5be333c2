"""A test-only task that writes one log line, to see which request id and user id a task's lines carry."""

from __future__ import annotations

import logging

from childprotect.celery import app

LOG_LINE = "tests.support.log_tasks.log_line"
logger = logging.getLogger("tests.task")


@app.task(name=LOG_LINE)
def log_line(text: str) -> None:
    logger.info(text)


FAIL = "tests.support.log_tasks.fail_with"


@app.task(name=FAIL)
def fail_with(text: str) -> None:
    """Fails, quoting its argument in the error (as a task given a child's name might)."""
    raise ValueError(f"không xử lý được {text}")
