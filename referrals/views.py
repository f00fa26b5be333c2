"""Thin views of referrals: reach through referrals.selectors (out of reach: 404), bind the form, call one service.

Partners reach nothing else in the product: a referral sent to their agency is their only way to a case.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.policy import can_see_child_protected
from cases.selectors import case_get_for
from cases.services import record_view
from childprotect.accounts.policy import acts_for_agency, can_refer
from childprotect.agencies.models import AgencyType
from childprotect.core.once import create_form, save_once
from childprotect.forms import apply_service_errors, step_form
from childprotect.http import AuthenticatedRequest

from . import selectors, services
from .forms import ReferralFilterForm, ReferralForm, referral_filters
from .models import ReferralStatus
from .policy import referral_carries_perpetrators

PAGE_SIZE = 25


@login_required
def referral_list(request: AuthenticatedRequest) -> HttpResponse:
    """The partner's referrals from every commune; the referrals of the cases in a commune's or supervisor's area."""
    form = ReferralFilterForm(request.GET or None)
    filters = referral_filters(form)
    referrals = selectors.referrals_list(request.user, filters)
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/referral_list.html",
        {"page": page, "form": form, "now": timezone.now(), "partner": acts_for_agency(request.user)},
    )


@login_required
@create_form
def referral_create(request: AuthenticatedRequest, case_pk: int) -> HttpResponse:
    case = case_get_for(request.user, case_pk)
    if not can_refer(request.user):
        raise PermissionDenied(_("Chỉ cán bộ, lãnh đạo UBND cấp xã phụ trách hồ sơ mới lập chuyển tuyến."))
    form = ReferralForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            referral = save_once(
                request,
                lambda: services.referral_create(actor=request.user, case=case, data=form.data_object()),
                url=lambda r: reverse("referrals:referral_detail", args=[r.pk]),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu dự thảo chuyển tuyến %(r)s. Kiểm tra rồi bấm Gửi.") % {"r": referral})
            return redirect("referrals:referral_detail", pk=referral.pk)
    record_view(actor=request.user, obj=case, details={"page": "referral_create"})
    return render(request, "referrals/referral_form.html", {"case": case, "form": form})


@login_required
def referral_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    case = referral.case
    partner = acts_for_agency(request.user)
    # Partners see the child's identity and what they need to act (their grant); never the reporter.
    shown = partner or can_see_child_protected(request.user, case.child)
    services.referral_record_view(
        actor=request.user, referral=referral, details={"case": case.pk, "child_shown": shown}
    )
    steps = services.REFERRALS.available(request.user, referral)
    report = case.report
    carries_perpetrators = referral_carries_perpetrators(referral)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "case": case,
            "child": case.child,
            "carers": case.child.carers.all() if shown else [],
            "report": report,
            "abuse_forms": report.abuse_forms.all(),
            # What the agency receives, for every viewer (the commune sees the suspects on the case itself).
            "carries_perpetrators": carries_perpetrators,
            "perpetrators": report.perpetrators.select_related("relation") if carries_perpetrators else [],
            "shown": shown,
            "partner": partner,
            "steps": steps,
            "events": selectors.referral_events(referral),
            "deadline": selectors.referral_open_deadline(referral),
            "now": timezone.now(),
            "agency_type": AgencyType(referral.agency.agency_type).label,
        },
    )


@login_required
def referral_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """The form of one referral step (GET) and taking it (POST). Refused steps say why, in Vietnamese."""
    referral = selectors.referral_get_for(request.user, pk)

    def done() -> str:
        if referral.status == ReferralStatus.WITHDRAWN or (
            acts_for_agency(request.user) and referral.status == ReferralStatus.DECLINED
        ):
            # Nothing left to see for the agency; the commune goes back to the case.
            if acts_for_agency(request.user):
                return reverse("referrals:referral_list")
            return reverse("cases:case_detail", args=[referral.case_id])
        return reverse("referrals:referral_detail", args=[referral.pk])

    page = step_form(
        request,
        services.REFERRALS,
        referral,
        action,
        back=reverse("referrals:referral_detail", args=[referral.pk]),
        initial=ReferralForm.initial_from(referral) if action == "edit" else None,
        form_kwargs={"referral": referral},
        done=done,
    )
    if isinstance(page, HttpResponse):
        return page
    step, form = page
    services.referral_record_view(actor=request.user, referral=referral, details={"page": "act", "action": action})
    return render(
        request,
        "referrals/referral_act.html",
        {
            "referral": referral,
            "step": step,
            "form": form,
            "deadline": selectors.referral_open_deadline(referral),
            "now": timezone.now(),
        },
    )
