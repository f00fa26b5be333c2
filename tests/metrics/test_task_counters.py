"""The Celery task counters: each success, failure and retry counted by task name, where the task ran (here, eagerly;
and in a real worker process on the test database), and read back from /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from childprotect.celery import app
from childprotect.core.tasks import clear_expired_sessions
from childprotect.metrics.celery_signals import task_count
from childprotect.metrics.models import TaskCount
from tests.support.metrics import TOKEN, scrape
from tests.support.metrics_tasks import OUTCOME, Refused, outcome
from tests.support.worker_process import WorkerProcess, private_queue, wait_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

TASKS = "childprotect_celery_tasks_total"


@pytest.fixture(autouse=True)
def token(settings):
    settings.CHILDPROTECT_METRICS_TOKEN = TOKEN


def counts() -> dict[tuple[str, str], int]:
    return {(t, o): n for t, o, n in TaskCount.objects.values_list("task", "outcome", "count")}


def test_a_task_run_eagerly_counts_its_success(client):
    clear_expired_sessions.delay()
    clear_expired_sessions.delay()

    metrics = scrape(client)

    name = "childprotect.core.tasks.clear_expired_sessions"
    assert metrics.value(TASKS, task=name, outcome="success") == 2
    assert metrics.value(TASKS, task=name, outcome="failure") == 0


@pytest.fixture
def not_propagating(eager_celery: None) -> Iterator[None]:
    """Eager tasks that keep their exception, as a worker does: Celery sends task_failure and task_retry only then
    (an eager task that propagates raises before its failure is handled, so the fixture's eager mode counts no
    failure)."""
    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@pytest.mark.usefixtures("not_propagating")
def test_a_failure_and_a_retry_are_counted_apart(client):
    assert isinstance(outcome.delay("fail").result, Refused)
    assert outcome.delay("retry").get() == "ok"  # asks once for a retry, then succeeds on it

    metrics = scrape(client)

    assert {o: metrics.value(TASKS, task=OUTCOME, outcome=o) for o in ("success", "failure", "retry")} == {
        "success": 1,
        "failure": 1,
        "retry": 1,
    }


def test_the_counter_adds_one_per_call_on_the_same_row():
    for _ in range(3):
        task_count("some.task", "success")
    task_count("some.task", "failure")

    assert counts() == {("some.task", "success"): 3, ("some.task", "failure"): 1}


def test_a_counter_that_cannot_be_written_is_logged_and_spoils_nothing(caplog):
    task_count("some.task", "success")

    task_count("some.task", None)  # type: ignore[arg-type]  # NOT NULL: refused by the database

    assert "task counter not written: some.task None" in caplog.text
    task_count("some.task", "success")  # the transaction goes on
    assert counts() == {("some.task", "success"): 2}


# --- a real worker process -------------------------------------------------------------------------------------------


@pytest.fixture
def worker(tmp_path: Path, transactional_db: None) -> Iterator[tuple[str, WorkerProcess]]:
    with private_queue((OUTCOME,)) as queue:
        process = WorkerProcess(queue, tmp_path / "worker.log", {}, include="tests.support.metrics_tasks")
        try:
            process.wait_ready()
            yield queue, process
        finally:
            process.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("data_put_back")
def test_a_worker_process_counts_into_the_table_the_web_reads(worker, client):
    _, process = worker
    outcome.delay("ok")
    outcome.delay("fail")
    outcome.delay("ok")

    done = wait_for(lambda: counts().get((OUTCOME, "success")) == 2 and counts().get((OUTCOME, "failure")) == 1)

    assert done, process.text()[-3000:]
    metrics = scrape(client)
    assert metrics.value(TASKS, task=OUTCOME, outcome="success") == 2
    assert metrics.value(TASKS, task=OUTCOME, outcome="failure") == 1
