"""Deleting (hiding) and restoring children, reports and cases: administrators only; everyone else gets a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from childprotect.accounts.policy import can_delete_records
from childprotect.forms import StyledForm, apply_service_errors
from childprotect.http import AuthenticatedRequest

from . import services
from .models import Case, Child, Report

MODELS: dict[str, type[Child] | type[Report] | type[Case]] = {"child": Child, "report": Report, "case": Case}


class DeleteForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("Lý do xoá"), max_length=255)


def _require_administrator(request: AuthenticatedRequest) -> None:
    if not can_delete_records(request.user):
        raise Http404


@login_required
def record_delete(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    _require_administrator(request)
    model = MODELS.get(kind)
    obj = model.objects.filter(pk=pk).first() if model else None  # live records only
    if obj is None:
        raise Http404
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.record_delete(actor=request.user, obj=obj, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã xoá (ẩn) %(n)s hồ sơ; có thể khôi phục tại đây.") % {"n": count})
            return redirect("cases:deleted_records")
    services.record_view(actor=request.user, obj=obj, details={"page": "delete"})
    return render(request, "cases/record_delete.html", {"obj": obj, "kind": kind, "form": form})


@login_required
@require_POST
def record_restore(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    _require_administrator(request)
    model = MODELS.get(kind)
    obj = model.all_objects.filter(pk=pk, deleted_at__isnull=False).first() if model else None
    if obj is None:
        raise Http404
    count = services.record_restore(actor=request.user, obj=obj)
    messages.success(request, _("Đã khôi phục %(n)s hồ sơ.") % {"n": count})
    return redirect("cases:deleted_records")


@login_required
def deleted_records(request: AuthenticatedRequest) -> HttpResponse:
    _require_administrator(request)
    return render(request, "cases/deleted_records.html", services.deleted_records(request.user))
