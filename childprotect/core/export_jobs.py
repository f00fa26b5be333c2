"""XLSX exports as jobs: the request records what was asked, a Celery task makes the file, its owner downloads it.

The request (childprotect/exports.py `export_response`) writes the job and its audit entry ("export.<list>", with the
row count) in one transaction and queues `make_export` after commit. The task (`export_job_run`) selects the rows
again for the job's owner through the list's own selector and form (a `ListExport` the list's app registered), so
what the owner may no longer reach is not in the file; it writes them a chunk at a time into openpyxl's write-only
workbook on a temporary file (memory does not grow with the list), records its progress once per chunk, and stores
the file with Django's default storage (`exports/<random>.xlsx` under MEDIA_ROOT or in the bucket, served only by the
download view). The rows are read from the read replica when there is one (childprotect/db_router.py).

Only the owner sees a job and downloads its file (anyone else: 404); each download is audited ("export.download").
A job that cannot be made ends "failed" with a Vietnamese message for its page; the worker logs the exception. Files
are deleted CHILDPROTECT_EXPORT_KEEP_HOURS after they were asked for (`export_jobs_expire`, hourly), when the job
becomes "expired"; a job the queue lost is given up at the same time.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from childprotect.audit.actions import ExportAction
from childprotect.audit.services import audit_record
from childprotect.db_router import reading_from_replica
from childprotect.exports import ListExport, as_query, list_export

from .models import ExportJob, ExportStatus

if TYPE_CHECKING:  # accounts imports core
    from childprotect.accounts.models import User

logger = logging.getLogger(__name__)

BUSY = (ExportStatus.PENDING, ExportStatus.RUNNING)
FAILED_SYSTEM = "Lỗi hệ thống khi tạo tệp. Hãy xuất lại; nếu vẫn lỗi, hãy báo quản trị hệ thống."
FAILED_REFUSED = "Tài khoản của bạn không còn được xuất danh sách này, nên tệp không được tạo."
FAILED_LOST = "Tệp không được tạo kịp (hệ thống xử lý nền không nhận yêu cầu). Hãy xuất lại."
# A job still waiting or running this long after it was asked for was lost (a broker outage, a worker killed): the
# largest list, a million children, takes minutes.
LOST_AFTER = dt.timedelta(hours=2)


class ExportRefused(Exception):
    """The owner may no longer export the list as asked (deactivated, role changed, an option no longer theirs)."""


def export_job_create(
    *,
    actor: User,
    export: ListExport,
    params: dict[str, list[str]],
    protected: bool,
    filename: str,
    changes: dict[str, Any],
) -> ExportJob:
    """Record the export asked for and its audit entry (`changes`: format, filters, row count...), and queue the
    task that makes the file, after commit. A broker that cannot be reached leaves the job waiting (logged, no
    error for the user); the hourly expiry gives it up."""
    with transaction.atomic():
        job = ExportJob.objects.create(
            owner=actor,
            list_name=export.name,
            params=params,
            protected=protected,
            rows_total=changes.get("rows", 0),
            filename=filename[:255],
        )
        audit_record(
            actor=actor,
            action=export.action,
            obj=job,
            changes=changes,
            object_repr=f"{export.title} (XLSX, {job.rows_total} dòng)",
        )
        from .tasks import make_export

        transaction.on_commit(lambda: make_export.delay(job.pk), robust=True)
    return job


# --- reads: the owner's jobs ---------------------------------------------------------------------------------------


def export_jobs_of(user: User) -> QuerySet[ExportJob]:
    """The jobs a person sees: their own, whoever they are (an administrator too: a file is its asker's)."""
    return ExportJob.objects.filter(owner_id=user.pk)


def export_job_get_for(user: User, pk: int) -> ExportJob:
    job = export_jobs_of(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def export_job_progress(job: ExportJob) -> int:
    """Percent done (0–100)."""
    if job.status == ExportStatus.DONE:
        return 100
    if not job.rows_total:
        return 0
    return min(99, job.rows_done * 100 // job.rows_total)


def export_job_status(job: ExportJob) -> dict[str, Any]:
    """What the job page says, for a script polling it (`?format=json`)."""
    export = list_export(job.list_name)
    done = job.status == ExportStatus.DONE
    return {
        "id": job.pk,
        "list": job.list_name,
        "title": str(export.title) if export else job.list_name,
        "format": job.format,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": job.rows_done,
        "total": job.rows_total,
        "percent": export_job_progress(job),
        "finished": job.status not in BUSY,
        "download_url": reverse("export_download", args=[job.pk]) if done else None,
        "filename": job.filename,
        "size": job.size if done else None,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def export_download_record(*, actor: User, job: ExportJob) -> None:
    """The owner took the file: one audit entry (the file holds children's data)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=ExportAction.DOWNLOAD,
            obj=job,
            changes={"list": job.list_name, "format": job.format, "rows": job.rows_done, "protected": job.protected},
            object_repr=job.filename,
        )


# --- the task ------------------------------------------------------------------------------------------------------


def _fail(job_id: int, message: str) -> str:
    ExportJob.objects.filter(pk=job_id, status__in=BUSY).update(
        status=ExportStatus.FAILED, error=message[:300], finished_at=timezone.now()
    )
    return ExportStatus.FAILED


def export_job_run(job_id: int) -> str:
    """Make the job's file: select the rows for the owner as they are now, write them into a temporary file a chunk
    at a time (progress on the job once per chunk), store it, and mark the job done; its status is returned.

    A job already made, failed or expired is left as it is. A job found running again (its worker died and the task
    was delivered once more) is made again from the start."""
    job = ExportJob.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.status not in BUSY:
        return job.status if job else "missing"
    started = ExportJob.objects.filter(pk=job.pk, status__in=BUSY).update(
        status=ExportStatus.RUNNING, rows_done=0, started_at=timezone.now()
    )
    if not started:
        return ExportStatus.FAILED
    try:
        stored, rows, size = _make(job)
    except ExportRefused:
        return _fail(job.pk, FAILED_REFUSED)
    except Exception:
        logger.exception("export job %s failed", job.pk)
        return _fail(job.pk, FAILED_SYSTEM)
    finished = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        file=stored,
        rows_done=rows,
        rows_total=rows,
        size=size,
        finished_at=timezone.now(),
    )
    if not finished:  # expired or given up meanwhile: the file is nobody's
        job.file.storage.delete(stored)
        return ExportStatus.FAILED
    return ExportStatus.DONE


def _make(job: ExportJob) -> tuple[str, int, int]:
    """The file written and stored: (its storage name, its rows, its size in bytes)."""
    owner = job.owner
    export = list_export(job.list_name)
    if export is None or not owner.is_active or not export.allowed(owner):
        raise ExportRefused
    query = as_query(job.params)
    try:
        maker = export.resource(owner, job.protected, query)
    except Http404 as exc:  # an option the owner no longer has (the reporters' identity)
        raise ExportRefused from exc
    # The owner's reach and rights as they are now, never the request's.
    protected = job.protected and maker.may_see_protected()

    def progress(rows: int) -> None:  # a write: the primary, whatever the rows are read from
        ExportJob.objects.filter(pk=job.pk).update(rows_done=rows, rows_total=max(total, rows))

    # The rows from the read replica when there is one (the owner's own recent writes excepted: read-your-writes).
    with tempfile.TemporaryFile(suffix=".xlsx") as handle, reading_from_replica(owner.pk):
        queryset = export.rows(owner, query)
        total = queryset.count()
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        rows = maker.xlsx_write(handle, queryset, protected=protected, title=str(export.title), progress=progress)
        size = handle.tell()
        handle.seek(0)
        job.file.save(job.filename, File(handle, name=job.filename), save=False)
    return job.file.name, rows, size


# --- expiry --------------------------------------------------------------------------------------------------------


def export_jobs_expire(now: dt.datetime | None = None) -> int:
    """Give up the jobs still waiting or running LOST_AFTER after they were asked for (their task was lost), and
    delete the files of the jobs asked for more than CHILDPROTECT_EXPORT_KEEP_HOURS ago (the job stays, expired, so
    its page says so). Returns how many jobs it closed."""
    now = now or timezone.now()
    lost = ExportJob.objects.filter(created_at__lt=now - LOST_AFTER, status__in=BUSY)
    closed = lost.update(status=ExportStatus.FAILED, error=FAILED_LOST, finished_at=now)
    cutoff = now - dt.timedelta(hours=settings.CHILDPROTECT_EXPORT_KEEP_HOURS)
    old = ExportJob.objects.filter(created_at__lt=cutoff).exclude(status__in=[*BUSY, ExportStatus.EXPIRED])
    for job in old.order_by("pk").iterator(chunk_size=500):
        if job.file:
            job.file.delete(save=False)
        closed += ExportJob.objects.filter(pk=job.pk, status=job.status).update(status=ExportStatus.EXPIRED, file="")
    return closed
