"""An import never stays "checking" or "applying" forever: an unexpected error ends it failed, a file the csv module
cannot read is refused naming the problem, and a job whose worker died is failed by the sweep (and on its page) after
CHILDPROTECT_IMPORT_STALE_MINUTES, then can be cancelled. A job still within the timeout is left alone."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Child
from childprotect.audit.models import AuditEntry
from childprotect.core import imports
from childprotect.core.models import ImportJob, ImportStatus
from childprotect.core.tasks import sweep_imports
from childprotect.schedule import BEAT_SCHEDULE
from tests.support.builders import child_row, csv_file
from tests.support.concurrency import race_db

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

NAMES = ("Nguyễn Văn An", "Lê Thị Hoa", "Trần Minh Khôi")


def _unclosed_quote_file() -> bytes:
    """A real CSV the csv module cannot read: a quote opened in a cell and never closed swallows the rest of the file
    into one cell, past the module's field limit (csv.Error "field larger than field limit")."""
    rows = [child_row(name) for name in NAMES]
    rows[1][0] = '"Lê Thị Hoa'  # the opening quote of a cell, never closed
    body = csv_file(rows).decode("utf-8-sig")
    body = body.replace('"""Lê Thị Hoa"', '"Lê Thị Hoa')
    filler = "\r".join(f"Ghi chú {i}, không rõ" for i in range(12_000))  # old-Mac lone CR line endings
    return ("\ufeff" + body + filler + "\r").encode()


def test_a_file_the_csv_module_cannot_read_is_refused_through_the_upload_page(client, import_upload, supervisor):
    job = import_upload(supervisor, _unclosed_quote_file())

    assert job.status == ImportStatus.REFUSED, (job.status, job.plan, job.result)
    assert "Tệp CSV sai định dạng" in job.plan["message"]
    assert "dấu ngoặc kép" in job.plan["message"]
    page = client.get(reverse("import_detail", args=[job.pk])).content.decode()
    assert "dấu ngoặc kép" in page
    assert "Traceback" not in page and "Error" not in page
    assert not Child.objects.exists()


def test_an_unexpected_error_in_the_preview_fails_the_job_with_a_message_and_it_can_be_cancelled(
    client, import_upload, supervisor, monkeypatch, caplog
):
    def broken(actor, rows, progress):
        raise RuntimeError("importer bug")

    monkeypatch.setattr(imports.IMPORTERS["children"], "check", broken)

    job = import_upload(supervisor, csv_file([child_row(n) for n in NAMES]))

    assert job.status == ImportStatus.FAILED
    assert job.result["message"] == imports.CHECK_CRASHED
    assert "importer bug" in caplog.text  # logged for the administrators
    page = client.get(reverse("import_detail", args=[job.pk])).content.decode()
    assert imports.CHECK_CRASHED in page and "importer bug" not in page
    assert 'http-equiv="refresh"' not in page
    assert reverse("import_cancel", args=[job.pk]) in page

    response = client.post(reverse("import_cancel", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not job.file.storage.exists(job.file.name)  # the upload is deleted
    assert AuditEntry.objects.filter(action="import.cancel", object_id=str(job.pk)).exists()


def test_an_error_half_way_through_the_import_leaves_no_rows(import_upload, import_confirm, supervisor, monkeypatch):
    job = import_upload(supervisor, csv_file([child_row(n) for n in NAMES]))
    assert job.status == ImportStatus.CHECKED, job.plan
    chosen = imports.IMPORTERS["children"]
    real_apply = chosen.apply

    def dies_after_writing(actor, rows, progress):
        real_apply(actor, rows, progress)
        assert Child.objects.count() == len(NAMES)  # written, inside the import's transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(chosen, "apply", dies_after_writing)

    job = import_confirm(job)

    assert job.status == ImportStatus.FAILED
    assert job.result["message"] == imports.APPLY_CRASHED
    assert not Child.objects.exists()
    assert not AuditEntry.objects.filter(action="import.children").exists()
    assert not AuditEntry.objects.filter(action="child.import").exists()


def _left_by_a_dead_worker(job: ImportJob, status: str) -> None:
    """As a worker killed mid-way leaves it: still busy, its step started now (the import rolled back)."""
    ImportJob.objects.filter(pk=job.pk).update(status=status, started_at=dt.datetime.now(tz=dt.UTC), finished_at=None)


@pytest.mark.parametrize(
    ("status", "message"),
    [(ImportStatus.CHECKING, imports.STALE_CHECK), (ImportStatus.APPLYING, imports.STALE_APPLY)],
    ids=["preview", "import"],
)
def test_a_job_whose_worker_died_is_failed_by_the_sweep_shown_and_cancellable(
    client, import_upload, supervisor, clock, settings, status, message
):
    settings.CHILDPROTECT_IMPORT_STALE_MINUTES = 30
    job = import_upload(supervisor, csv_file([child_row(n) for n in NAMES]))
    _left_by_a_dead_worker(job, status)
    clock.shift(dt.timedelta(minutes=31))
    client.force_login(supervisor)  # the idle session expired meanwhile

    assert sweep_imports.delay().get() == 1

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.result["message"] == message
    assert "chưa có dữ liệu nào được nhập" in message
    entry = AuditEntry.objects.get(action="import.stale", object_id=str(job.pk))
    assert entry.actor is None
    page = client.get(reverse("import_detail", args=[job.pk])).content.decode()
    assert message in page and 'http-equiv="refresh"' not in page
    assert sweep_imports.delay().get() == 0  # once

    client.post(reverse("import_cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not Child.objects.exists()


def test_the_job_page_itself_fails_a_job_whose_worker_died(client, import_upload, supervisor, clock, settings):
    settings.CHILDPROTECT_IMPORT_STALE_MINUTES = 30
    job = import_upload(supervisor, csv_file([child_row(n) for n in NAMES]))
    _left_by_a_dead_worker(job, ImportStatus.CHECKING)
    clock.shift(dt.timedelta(minutes=31))
    client.force_login(supervisor)  # the idle session expired meanwhile

    page = client.get(reverse("import_detail", args=[job.pk])).content.decode()

    assert imports.STALE_CHECK in page
    assert 'http-equiv="refresh"' not in page
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_a_job_within_the_timeout_is_left_alone(client, import_upload, supervisor, clock, settings):
    settings.CHILDPROTECT_IMPORT_STALE_MINUTES = 30
    job = import_upload(supervisor, csv_file([child_row(n) for n in NAMES]))
    _left_by_a_dead_worker(job, ImportStatus.APPLYING)
    clock.shift(dt.timedelta(minutes=29))

    assert sweep_imports.delay().get() == 0
    page = client.get(reverse("import_detail", args=[job.pk])).content.decode()
    client.post(reverse("import_cancel", args=[job.pk]))  # an import being written is not cancelled

    job.refresh_from_db()
    assert job.status == ImportStatus.APPLYING
    assert 'http-equiv="refresh"' in page
    assert not AuditEntry.objects.filter(action__in=["import.stale", "import.cancel"]).exists()


def test_a_job_still_reporting_progress_is_left_alone_past_the_timeout(import_upload, supervisor, clock, settings):
    settings.CHILDPROTECT_IMPORT_STALE_MINUTES = 30
    job = import_upload(supervisor, csv_file([child_row(n) for n in NAMES]))
    _left_by_a_dead_worker(job, ImportStatus.CHECKING)
    clock.shift(dt.timedelta(minutes=25))
    imports._reporter(job.pk, 0, 100)(50)  # a long preview, alive
    clock.shift(dt.timedelta(minutes=10))

    assert sweep_imports.delay().get() == 0

    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING


def test_the_sweep_runs_periodically_without_arguments():
    entry = BEAT_SCHEDULE["sweep-imports"]
    assert entry["task"] == sweep_imports.name
    assert "args" not in entry


@race_db
def test_an_import_still_writing_is_never_failed_by_the_sweep(supervisor, clock, settings, monkeypatch):
    """Its transaction holds the job's row: the sweep skips it however long it takes, and it ends done."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the race is PostgreSQL's")
    settings.CHILDPROTECT_IMPORT_STALE_MINUTES = 30
    job = imports.job_create(
        actor=supervisor, kind="children", filename="tre-em.csv", content=csv_file([child_row(n) for n in NAMES])
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.plan
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.APPLYING)
    chosen = imports.IMPORTERS["children"]
    real_apply = chosen.apply
    writing, release = threading.Event(), threading.Event()

    def slow_apply(actor, rows, progress):
        writing.set()
        assert release.wait(timeout=60)
        return real_apply(actor, rows, lambda percent: None)  # no progress reported: only the lock says it is alive

    monkeypatch.setattr(chosen, "apply", slow_apply)
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(imports.job_apply(job.pk).status)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert writing.wait(timeout=60)
        clock.shift(dt.timedelta(minutes=45))
        swept = imports.jobs_fail_stale()
    finally:
        release.set()
        worker.join(timeout=120)

    assert swept == 0
    assert outcome == [ImportStatus.DONE]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Child.objects.count() == len(NAMES)
