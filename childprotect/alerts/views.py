"""The link in a message (marks the alert opened, then leads to its record) and the providers' receipt callbacks."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .channels.base import ReceiptRejected
from .channels.registry import provider_adapter
from .messages import token_notification_id
from .services import notification_open, receipts_record

logger = logging.getLogger(__name__)


@require_GET
def opened(request: HttpRequest, token: str) -> HttpResponse:
    """No login is asked to mark an alert opened (the link is the recipient's, and says nothing); the record it
    leads to asks for one, and the selectors decide what it shows."""
    pk = token_notification_id(token)
    notification = notification_open(pk) if pk is not None else None
    if notification is None:
        raise Http404
    url = notification.url if url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None) else ""
    return HttpResponseRedirect(url or reverse("home"))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest, channel: str, provider: str) -> HttpResponse:
    """A provider's delivery receipts: read only after its signature (or secret token) is checked (a forged one
    changes nothing). GET too: eSMS calls its CallbackUrl by GET (docs/alerts.md#sms-providers)."""
    found = provider_adapter(channel, provider)
    if found is None:
        raise Http404
    try:
        receipts = found.receipts(request)
    except ReceiptRejected as exc:
        logger.warning("receipt callback refused (%s/%s): %s", channel, provider, exc)
        return JsonResponse({"error": "rejected"}, status=403)
    return JsonResponse({"recorded": receipts_record(found.provider, receipts)})
