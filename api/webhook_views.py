"""The administrators' pages of the webhooks (docs/api.md#webhooks): the delivery log, one event with its attempts,
and its replay. Everyone else gets a 404."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from childprotect.forms import StyledForm
from childprotect.http import AuthenticatedRequest

from .models import ApiClient, DeliveryState, WebhookEvent
from .webhook_selectors import webhook_clients_for, webhook_event_get_for, webhook_events_for
from .webhooks import event_body, event_id, event_replay

PAGE_SIZE = 25


class LogFilter(StyledForm):
    client = forms.ModelChoiceField(
        label=gettext_lazy("Hệ thống đối tác"),
        queryset=ApiClient.objects.none(),
        required=False,
        empty_label=gettext_lazy("Tất cả"),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Trạng thái"), choices=[("", gettext_lazy("Tất cả"))] + DeliveryState.choices, required=False
    )

    def __init__(self, *args: Any, clients: QuerySet[ApiClient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


@login_required
def webhook_list(request: AuthenticatedRequest) -> HttpResponse:
    """The delivery log: newest first, by client and state, with attempts and the last error."""
    form = LogFilter(request.GET or None, clients=webhook_clients_for(request.user))
    client, state = None, ""
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["client"]
        client, state = (chosen.pk if chosen else None), form.cleaned_data["state"]
    events = webhook_events_for(request.user, client=client, state=state)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "api/webhook_list.html", {"page": page, "form": form})


@login_required
def webhook_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One event: what was sent (the body as the receiver gets it), and every attempt."""
    event = webhook_event_get_for(request.user, pk)
    context = {
        "event": event,
        "event_id": event_id(event),
        "body": json.dumps(json.loads(event_body(event)), ensure_ascii=False, indent=2),
        "attempts": event.attempt_log.select_related("replayed_by"),
        "replayable": event.state != DeliveryState.PENDING,
    }
    return render(request, "api/webhook_detail.html", context)


@login_required
@require_POST
def webhook_replay(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    event: WebhookEvent = webhook_event_get_for(request.user, pk)
    try:
        event_replay(actor=request.user, event=event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Đã đưa thông báo vào hàng gửi lại; các thông báo sau của thông tin này gửi tiếp theo thứ tự.")
        )
    return redirect("api:webhook_detail", pk=event.pk)
