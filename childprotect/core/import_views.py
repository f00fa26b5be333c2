"""The import pages: choose what to import, download its template, upload, see the preview, confirm or cancel.

Only administrators and supervisors import (each importer says who may); a job is seen by the person who uploaded it,
and by administrators.
"""

from __future__ import annotations

import io

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from childprotect.accounts.models import User
from childprotect.forms import StyledForm
from childprotect.http import AuthenticatedRequest

from . import imports
from .models import ImportJob, ImportStatus


class UploadForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("Loại dữ liệu"))
    file = forms.FileField(label=gettext_lazy("Tệp (CSV UTF-8 hoặc Excel .xlsx)"), allow_empty_file=True)

    def __init__(self, *args: object, kinds: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


def _jobs_for(user: User) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.select_related("created_by")
    return qs if user.is_administrator else qs.filter(created_by=user)


def _job_get_for(user: User, pk: int) -> ImportJob:
    job = _jobs_for(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def _importers(request: AuthenticatedRequest) -> list[imports.Importer]:
    found = imports.importers_for(request.user)
    if not found:
        raise Http404  # commune staff and partners have no imports
    return found


@login_required
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    found = _importers(request)
    kinds = [(i.kind, i.label) for i in found]
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        too_large = upload.size > settings.CHILDPROTECT_IMPORT_MAX_BYTES
        job = imports.job_create(
            actor=request.user,
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            content=None if too_large else upload.read(),  # a file over the limit is refused unread
            size=upload.size,
        )
        return redirect("import_detail", pk=job.pk)
    return render(
        request,
        "core/import_list.html",
        {"form": form, "importers": found, "jobs": _jobs_for(request.user)[:20]},
    )


@login_required
def import_template(request: AuthenticatedRequest, kind: str, fmt: str) -> HttpResponse:
    chosen = next((i for i in _importers(request) if i.kind == kind), None)
    if chosen is None or fmt not in ("xlsx", "csv"):
        raise Http404
    data = tablib.Dataset(headers=[c.header + (" *" if c.required else "") for c in chosen.columns])
    if fmt == "csv":
        body = ("\ufeff" + data.export("csv")).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    else:
        notes = tablib.Dataset(headers=["Cột", "Bắt buộc", "Cách ghi"], title="Hướng dẫn")
        for c in chosen.columns:
            notes.append([c.header, "có" if c.required else "", c.help])
        data.title = "Dữ liệu"
        body = tablib.Databook([data, notes]).export("xlsx")
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(io.BytesIO(body).getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-{kind}.{fmt}"'
    return response


@login_required
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importers(request)
    job = imports.job_fail_if_stale(_job_get_for(request.user, pk))
    chosen = imports.importer(job.kind)
    busy = job.status in (ImportStatus.CHECKING, ImportStatus.APPLYING)
    return render(
        request,
        "core/import_detail.html",
        {
            "job": job,
            "label": chosen.label if chosen else job.kind,
            "busy": busy,
            "progress": imports.progress_of(job),
            "can_confirm": job.status == ImportStatus.CHECKED and job.created_by_id == request.user.pk,
            "can_cancel": imports.can_cancel(job, request.user),
        },
    )


@login_required
@require_POST
def import_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importers(request)
    job = _job_get_for(request.user, pk)
    if not imports.job_confirm(actor=request.user, job=job):
        raise PermissionDenied(_("Chỉ người tải tệp lên mới xác nhận, và chỉ một lần sau khi xem trước."))
    messages.success(request, _("Đang nhập dữ liệu; trang này tự cập nhật khi xong."))
    return redirect("import_detail", pk=job.pk)


@login_required
@require_POST
def import_cancel(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _importers(request)
    job = imports.job_fail_if_stale(_job_get_for(request.user, pk))
    if imports.job_cancel(actor=request.user, job=job):
        messages.success(request, _("Đã huỷ; không có dữ liệu nào được nhập."))
    else:
        messages.error(request, _("Không huỷ được: chỉ người tải tệp lên mới huỷ, và không huỷ khi đang nhập."))
        return redirect("import_detail", pk=job.pk)
    return redirect("imports")
