"""The Celery task counters: every task's success, failure and retry, counted where it ran (a worker, on any
machine, or the web process when tasks run eagerly) into the `TaskCount` table that the web reads at scrape time."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any

from celery import signals
from django.db import connections, router, transaction

from .models import TaskCount, TaskOutcome

logger = logging.getLogger(__name__)


def task_count(task: str, outcome: str) -> None:
    """One more `outcome` for `task`: one statement, an UPSERT (PostgreSQL, and SQLite since 3.24), so concurrent
    workers never lose an increment nor collide on the first row. A counter that cannot be written (the database is
    down, which may be why the task failed) is logged and the task's own outcome stands."""
    alias = router.db_for_write(TaskCount)  # the primary, should a router send reads to a replica
    connection = connections[alias]
    q = connection.ops.quote_name
    table, count = q(TaskCount._meta.db_table), q("count")
    # Inside a transaction (an eager task run by a caller's atomic block, as in tests) the statement gets a savepoint
    # of its own, so that its failure cannot spoil the caller's transaction; a worker runs it in autocommit.
    guard = transaction.atomic(using=alias) if connection.in_atomic_block else nullcontext()
    try:
        with guard, connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (task, outcome, {count}) VALUES (%s, %s, 1) "  # noqa: S608 (our own names)
                f"ON CONFLICT (task, outcome) DO UPDATE SET {count} = {table}.{count} + 1",
                [task[:200], outcome],
            )
    except Exception:
        logger.warning("task counter not written: %s %s", task, outcome, exc_info=True)


def _name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or sender or "unknown")


def on_success(sender: Any = None, **kwargs: Any) -> None:
    task_count(_name(sender), TaskOutcome.SUCCESS)


def on_failure(sender: Any = None, **kwargs: Any) -> None:
    task_count(_name(sender), TaskOutcome.FAILURE)


def on_retry(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    # task_retry's sender is the task; its name is also on the request.
    task_count(_name(sender) if sender is not None else str(getattr(request, "task", "unknown")), TaskOutcome.RETRY)


def connect() -> None:
    signals.task_success.connect(on_success, weak=False, dispatch_uid="childprotect.metrics.success")
    signals.task_failure.connect(on_failure, weak=False, dispatch_uid="childprotect.metrics.failure")
    signals.task_retry.connect(on_retry, weak=False, dispatch_uid="childprotect.metrics.retry")
