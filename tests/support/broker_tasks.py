"""A test-only task that real worker processes load (`celery worker -I tests.support.broker_tasks`), with effects a
test can count in a folder: every start is a line of `starts` (with the process id, to kill it), and the work,
idempotent as every task of the project, is done once whatever the number of deliveries (a file created with O_EXCL,
as a unique row would be)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from childprotect.celery import app

RECORD = "tests.support.broker_tasks.record"


@app.task(name=RECORD)
def record(folder: str, key: str, first_nap: float) -> str:
    """Note the start, sleep `first_nap` seconds on the first delivery only (so that a test kills it mid-way), then do
    the work once."""
    base = Path(folder)
    starts = base / f"{key}.starts"
    with starts.open("a") as out:
        out.write(f"{os.getpid()}\n")
    if len(starts.read_text().split()) == 1:
        time.sleep(first_nap)
    try:
        fd = os.open(base / f"{key}.done", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return "already done"
    os.close(fd)
    with (base / "work").open("a") as out:
        out.write(f"{key}\n")
    return "done"


def starts(folder: Path, key: str) -> list[int]:
    path = folder / f"{key}.starts"
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def work(folder: Path) -> list[str]:
    """The work done, one line per time (each key must be there once)."""
    path = folder / "work"
    return path.read_text().split() if path.exists() else []
