"""Two people at once: calls run in threads released together by a barrier, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

# Threads need committed rows (each has its own connection); the rows the migrations wrote are put back afterwards.
race_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(*calls: Callable[..., Any]) -> list[Any]:  # `...`: lambdas bind loop variables as defaults (lambda a=a: ...)
    """Run the calls in threads released together by a barrier; each thread has its own database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
