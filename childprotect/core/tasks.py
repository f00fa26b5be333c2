from __future__ import annotations

from celery import shared_task

from .services import sessions_clear_expired


@shared_task
def clear_expired_sessions() -> int:
    """Delete expired sessions (core.services.sessions_clear_expired), returning how many went."""
    return sessions_clear_expired()


@shared_task(acks_late=True)
def check_import(job_id: int) -> str:
    """The preview of an uploaded file (a dry run); the job records the counts and every row error."""
    from .imports import job_check

    return job_check(job_id).status


@shared_task(acks_late=True)
def apply_import(job_id: int) -> str:
    """The confirmed import: all rows in one transaction, exactly as previewed, or none."""
    from .imports import job_apply

    return job_apply(job_id).status


@shared_task
def sweep_imports() -> int:
    """Fail the imports whose worker died mid-way (core.imports.jobs_fail_stale), returning how many."""
    from .imports import jobs_fail_stale

    return jobs_fail_stale()


@shared_task(acks_late=True)
def make_export(job_id: int) -> str:
    """The XLSX file of an export job (core.export_jobs.export_job_run): the owner's rows as they are now."""
    from .export_jobs import export_job_run

    return export_job_run(job_id)


@shared_task
def expire_exports() -> int:
    """Delete the export files past CHILDPROTECT_EXPORT_KEEP_HOURS and give up lost jobs (hourly)."""
    from .export_jobs import export_jobs_expire

    return export_jobs_expire()
