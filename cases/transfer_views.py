"""Transfers of cases between communes, seen from both sides (docs/architecture.md#moves): the page listing them
and the receiving side's answer. The receiving commune does not reach the case before it accepts: it reaches the
transfer (`transfer_get_for`) and answers through the case's workflow step, with the case version the page showed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from childprotect.accounts.policy import can_transfer_cases
from childprotect.forms import step_form
from childprotect.http import AuthenticatedRequest

from . import selectors, services
from .models import TransferStatus

# The steps taken from a transfer's page: the receiving side's answer, and the sending side withdrawing its request.
TRANSFER_PAGE_ACTIONS = ("accept_transfer", "decline_transfer", "cancel_transfer")


@login_required
def transfer_list(request: AuthenticatedRequest) -> HttpResponse:
    """Chuyển hồ sơ: requests to decide, requests waiting for the other side, and the transfers done."""
    if not can_transfer_cases(request.user):
        raise Http404
    lists = selectors.transfers_page(request.user)
    return render(request, "cases/transfer_list.html", {"lists": lists, "shown": selectors.PAST_TRANSFERS_SHOWN})


@login_required
def transfer_act(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Accept, decline or withdraw a transfer request: the case's workflow step, refused by the engine to anyone
    but the side it belongs to (403)."""
    transfer = selectors.transfer_get_for(request.user, pk)
    if action not in TRANSFER_PAGE_ACTIONS:
        raise Http404
    back = reverse("cases:transfer_list")
    if transfer.status != TransferStatus.REQUESTED:
        messages.info(
            request,
            _("Đề nghị chuyển hồ sơ này đã được trả lời hoặc rút lại: %(status)s.")
            % {"status": transfer.get_status_display()},
        )
        return redirect(back)
    case = transfer.case
    page = step_form(
        request,
        services.CASEWORK,
        case,
        action,
        back=back,
        form_kwargs={"case": case, "actor": request.user, "transfer": transfer},
        done=lambda: reverse("cases:case_detail", args=[case.pk]) if action == "accept_transfer" else back,
    )
    if isinstance(page, HttpResponse):
        return page
    transition, form = page
    return render(
        request,
        "cases/transfer_act.html",
        {"transfer": transfer, "transition": transition, "form": form},
    )
