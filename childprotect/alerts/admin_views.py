"""The administrators' page of the alert channels (docs/alerts.md#the-administrators-page): each channel's state and
failures, the deliveries, one delivery and its retry, a test message. Everyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from childprotect.http import AuthenticatedRequest

from .admin_forms import DeliveryFilter, TestSendForm
from .channels.base import DeliveryError
from .models import DeliveryStatus
from .selectors import channel_states_for, channels_configured_for, deliveries_for, delivery_get_for
from .services import delivery_retry, test_send

PAGE_SIZE = 30


def _channels_page(request: AuthenticatedRequest, form: TestSendForm, status: int = 200) -> HttpResponse:
    context = {"states": channel_states_for(request.user), "form": form}
    return render(request, "alerts/channels.html", context, status=status)


@login_required
@require_GET
def channels(request: AuthenticatedRequest) -> HttpResponse:
    """Each channel: configured or not, its messages by status, its oldest message waiting, its last failures; and
    the test form."""
    form = TestSendForm(channels=channels_configured_for(request.user))
    return _channels_page(request, form)


@login_required
@require_POST
def channel_test(request: AuthenticatedRequest) -> HttpResponse:
    """Send a test message; bad input shows the page again with the form's errors, and nothing is sent."""
    form = TestSendForm(request.POST, channels=channels_configured_for(request.user))
    if not form.is_valid():
        return _channels_page(request, form)
    try:
        delivery = test_send(actor=request.user, channel=form.cleaned_data["channel"],
                             address=form.cleaned_data["address"])  # fmt: skip
    except DeliveryError:  # the channel was turned off since the form was drawn
        form.add_error("channel", _("Kênh này chưa được cấu hình, không gửi thử được."))
        return _channels_page(request, form)
    messages.success(request, _("Đã đưa tin thử vào hàng gửi; trạng thái của tin hiện dưới đây."))
    return redirect("alerts:delivery_detail", pk=delivery.pk)


@login_required
@require_GET
def delivery_list(request: AuthenticatedRequest) -> HttpResponse:
    """The deliveries, newest first, by channel and status."""
    form = DeliveryFilter(request.GET or None)
    channel = status = ""
    if form.is_bound and form.is_valid():
        channel, status = form.cleaned_data["channel"], form.cleaned_data["status"]
    rows = deliveries_for(request.user, channel=channel, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alerts/delivery_list.html", {"page": page, "form": form})


@login_required
@require_GET
def delivery_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    delivery = delivery_get_for(request.user, pk)
    context = {"delivery": delivery, "retryable": delivery.status == DeliveryStatus.FAILED}
    return render(request, "alerts/delivery_detail.html", context)


@login_required
@require_POST
def delivery_resend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Gửi lại: a failed delivery back in the outbox; any other is refused with a message."""
    delivery = delivery_get_for(request.user, pk)
    try:
        delivery_retry(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã đưa tin vào hàng gửi lại."))
    return redirect("alerts:delivery_detail", pk=delivery.pk)
