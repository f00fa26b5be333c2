"""Attachments of a case: upload (checked by services.attachments) and download, only through these views.

Files live in the default storage (under MEDIA_ROOT, outside the web root, or private objects in the S3 bucket) and
nothing serves MEDIA_URL or a bucket URL: the download view is the only way back to a file, and it applies the case's
access rules and audits every download (docs/deployment.md#files).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from cases.selectors import case_get_for
from cases.services.attachments import attachment_add
from cases.services.intake import record_view
from childprotect.audit.actions import CaseAction
from childprotect.core.once import create_form, save_once
from childprotect.forms import StyledForm
from childprotect.http import AuthenticatedRequest, private_download, stored_file_open

from .models import Attachment
from .policy import can_see_child_protected

ACCEPT = ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


class AttachmentForm(StyledForm):
    # Empty files pass the form: the service refuses them with its own message ("Tệp rỗng.").
    file = forms.FileField(
        label="Tệp",
        allow_empty_file=True,
        error_messages={"required": "Cần chọn tệp để đính kèm.", "invalid": "Tệp gửi lên không hợp lệ."},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    description = forms.CharField(
        label="Mô tả",
        max_length=255,
        required=False,
        error_messages={"max_length": "Mô tả dài tối đa 255 ký tự."},
    )
    step = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


def _form_errors(form: forms.Form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


@login_required
@require_POST
@create_form
def attachment_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_get_for(request.user, pk)  # out of reach: 404
    back = reverse("cases:case_detail", args=[case.pk])
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(back)
    step = None
    if form.cleaned_data["step"]:
        step = case.steps.filter(pk=form.cleaned_data["step"]).first()
        if step is None:
            messages.error(request, "Bước này không thuộc hồ sơ.")
            return redirect(back)
    try:
        attachment = save_once(
            request,
            lambda: attachment_add(
                actor=request.user,
                case=case,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                step=step,
            ),
            url=lambda _a: back,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã đính kèm tệp “{attachment.original_name}”.")
    return redirect(back)


@login_required
@require_safe
def attachment_download(request: AuthenticatedRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    case = case_get_for(request.user, pk)  # out of reach: 404
    attachment = get_object_or_404(Attachment, pk=attachment_pk, case=case)  # another case's file: 404 as well
    if not can_see_child_protected(request.user, case.child):
        raise PermissionDenied("Bạn không có quyền xem tài liệu của hồ sơ này.")
    handle = stored_file_open(attachment.file)
    record_view(
        actor=request.user, obj=case, action=CaseAction.ATTACHMENT_DOWNLOAD, details={"attachment": attachment.pk}
    )
    return private_download(handle, filename=attachment.original_name, content_type=attachment.content_type)
