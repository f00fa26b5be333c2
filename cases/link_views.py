"""Linking a case to another one and ending a link, from the case page's "Hồ sơ liên quan" card (thin views)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from childprotect.http import AuthenticatedRequest

from . import selectors, services
from .casework_forms import CaseLinkForm, CaseUnlinkForm


def _form_errors(form: CaseLinkForm | CaseUnlinkForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def case_link(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = CaseLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.case_link(
                actor=request.user,
                case=case,
                other=form.cleaned_data["other"],
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã liên kết hồ sơ."))
    return redirect("cases:case_detail", pk=case.pk)


@login_required
@require_POST
def case_unlink(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, pk)
    form = CaseUnlinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.case_unlink(
                actor=request.user,
                case=case,
                link=form.cleaned_data["link"],
                reason=form.cleaned_data["end_reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Đã bỏ liên kết hồ sơ."))
    return redirect("cases:case_detail", pk=case.pk)
