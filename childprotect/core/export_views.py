"""An XLSX export's job: its page (progress, refreshing itself while the file is made, then the download link; the
same as JSON for a script) and the download. Only the job's owner reaches either (anyone else: 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_safe

from childprotect.exports import FORMATS, list_export
from childprotect.http import AuthenticatedRequest, private_download, stored_file_open
from childprotect.pdf import ascii_filename

from . import export_jobs
from .models import ExportStatus


def _wants_json(request: AuthenticatedRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.GET.get("format") == "json" or accept.split(",")[0].strip() == "application/json"


@login_required
@require_safe
def export_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = export_jobs.export_job_get_for(request.user, pk)
    if _wants_json(request):
        response: HttpResponse = JsonResponse(export_jobs.export_job_status(job))
    else:
        export = list_export(job.list_name)
        response = render(
            request,
            "core/export_detail.html",
            {
                "job": job,
                "title": export.title if export else job.list_name,
                "list_link": export.list_link(job.params) if export else "",
                "busy": job.status in export_jobs.BUSY,
                "done": job.status == ExportStatus.DONE,
                "progress": export_jobs.export_job_progress(job),
            },
        )
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_safe
def export_download(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """The made file (404 before it is made and after it expired)."""
    job = export_jobs.export_job_get_for(request.user, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    handle = stored_file_open(job.file)
    export_jobs.export_download_record(actor=request.user, job=job)
    return private_download(
        handle,
        filename=ascii_filename(job.filename, default=f"export.{job.format}"),
        content_type=FORMATS.get(job.format, "application/octet-stream"),
    )
