"""Delivery of webhook events (docs/api.md#webhooks): signed POSTs, in order per report, retried with backoff.

The events of one (client, report) go one at a time, in sequence order: only the first not yet delivered (the head)
is ever sent, so a later event waits while an earlier one is pending or failed. A worker claims the head with a lease
before the POST: one conditional UPDATE that moves `next_attempt_at` to the end of the lease and counts the attempt,
and succeeds only if nobody changed the row since it was read (PostgreSQL re-checks the condition on the row another
transaction just updated; SQLite writes one at a time). The loser sends nothing; no lock is held during the POST. A
worker that dies mid-way leaves a lease that runs out, and the sweep (`webhooks_sweep`, every minute) sends the event
again. So "exactly once" holds for our side (two workers never send the same event at once, and a delivered event is
never sent again but by an administrator's replay); over HTTP it is at least once: if the receiver's answer is lost,
the event goes again with the same `id`, which the receiver deduplicates on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_see_webhooks
from childprotect.accounts.selectors import administrators_active
from childprotect.alerts.models import AlertKind
from childprotect.audit.actions import ApiAction
from childprotect.audit.models import AuditEntry
from childprotect.audit.services import audit_record
from childprotect.core.services import notify

from .models import ApiClient, DeliveryState, WebhookAttempt, WebhookEvent

LEASE_MARGIN_SECONDS = 60  # a claim outlives the POST's timeout by this much before the sweep may send it again
SIGNATURE_HEADER = "X-Childprotect-Signature"
EVENT_HEADER = "X-Childprotect-Event"


# --- the signature -----------------------------------------------------------------------------------------------


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t." + body>`."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes | str, tolerance_seconds: int = 300) -> bool:
    """Whether `header` (X-Childprotect-Signature) signs `body` (the raw bytes received) with `secret`, at a time
    within `tolerance_seconds` of now (an old message replayed is refused). Compared in constant time."""
    raw = body.encode() if isinstance(body, str) else body
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures or not secret:
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, raw)
    return any(hmac.compare_digest(expected, s) for s in signatures)


# --- one POST ----------------------------------------------------------------------------------------------------


def event_id(event: WebhookEvent) -> str:
    """The event's stable id: the same on every attempt and replay (the receiver deduplicates on it)."""
    return f"evt_{event.pk}"


def event_body(event: WebhookEvent) -> bytes:
    return json.dumps(
        {
            "id": event_id(event),
            "event": event.kind,
            "sequence": event.sequence,
            "occurred_at": timezone.localtime(event.created_at).isoformat(),
            "report": event.payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx: not followed (the receiver's address is the one registered)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None  # the receiver's answer, None when there was none
    error: str  # why it did not go (in words), "" when answered
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(client: ApiClient, event: WebhookEvent) -> Outcome:
    """POST the event to the client's webhook, signed now; what came back."""
    if not client.is_active or not client.webhook_url:
        return Outcome(None, "Hệ thống đối tác không còn nhận thông báo (ngừng hoạt động hoặc không có địa chỉ).", 0)
    if not client.webhook_secret:
        return Outcome(None, "Hệ thống đối tác chưa có khoá ký thông báo.", 0)
    body = event_body(event)
    request = urllib.request.Request(  # noqa: S310  (the address is an http(s) URL, checked by the model's URLField)
        client.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "childprotect-webhooks/1",
            EVENT_HEADER: event_id(event),
            SIGNATURE_HEADER: sign(client.webhook_secret, body, int(timezone.now().timestamp())),
        },
    )
    timeout = settings.CHILDPROTECT_WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()
    status: int | None = None
    error = ""
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            response.read(1024)  # drain a little; the answer's body is not kept
    except urllib.error.HTTPError as exc:  # a non-2xx answer (redirects included: not followed)
        status = exc.code
        exc.close()
    except TimeoutError:
        error = f"Hết thời gian chờ ({timeout} giây)."
    except urllib.error.URLError as exc:
        reason = exc.reason
        error = (
            f"Hết thời gian chờ ({timeout} giây)."
            if isinstance(reason, TimeoutError)
            else f"Không kết nối được: {reason}"
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:  # reset, closed without an answer, garbage
        error = f"Không kết nối được: {exc.__class__.__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return Outcome(status, error[:300], duration)


# --- claiming and recording --------------------------------------------------------------------------------------


def _undelivered_before() -> Exists:
    """An earlier event of the same (client, report) that is not delivered: the event is not the head of its line."""
    return Exists(
        WebhookEvent.objects.filter(
            client_id=OuterRef("client_id"), report_id=OuterRef("report_id"), sequence__lt=OuterRef("sequence")
        ).exclude(state=DeliveryState.DELIVERED)
    )


def _claim(client_id: int, report_id: int) -> WebhookEvent | None:
    """The head of the (client, report)'s line, claimed for one attempt; None when there is nothing to send now
    (all delivered, the head failed or not yet due) or someone else claimed it first."""
    now = timezone.now()
    head = (
        WebhookEvent.objects.filter(client_id=client_id, report_id=report_id)
        .exclude(state=DeliveryState.DELIVERED)
        .order_by("sequence")
        .first()
    )
    if head is None or head.state != DeliveryState.PENDING:
        return None
    if head.next_attempt_at is not None and head.next_attempt_at > now:
        return None
    lease = now + dt.timedelta(seconds=settings.CHILDPROTECT_WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS)
    won = WebhookEvent.objects.filter(
        pk=head.pk, state=DeliveryState.PENDING, attempts=head.attempts, next_attempt_at=head.next_attempt_at
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease)
    if not won:
        return None
    head.refresh_from_db()
    return head


def backoff_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt: the first wait, doubled each time, up to the cap."""
    first = settings.CHILDPROTECT_WEBHOOK_BACKOFF_SECONDS
    return int(min(first * 2 ** max(attempts - 1, 0), settings.CHILDPROTECT_WEBHOOK_BACKOFF_CAP_SECONDS))


def _replayer(event: WebhookEvent) -> User | None:
    """Who replayed `event`, for its first attempt after a replay (the audit entry says it); None otherwise."""
    if event.attempts != 1 or not event.attempt_log.exists():
        return None
    entry = (
        AuditEntry.objects.filter(
            action=ApiAction.WEBHOOK_REPLAY,
            object_type=ContentType.objects.get_for_model(WebhookEvent),
            object_id=str(event.pk),
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return entry.actor if entry is not None else None


def _record(event: WebhookEvent, outcome: Outcome) -> bool:
    """Write what the attempt gave; True when delivered. A claim another worker took over meanwhile (our lease ran
    out) keeps its attempt in the log but leaves the event's state to that worker."""
    now = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            event=event,
            at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            replayed_by=_replayer(event),
        )
        mine = WebhookEvent.objects.filter(  # still our claim: nobody took it over since
            pk=event.pk, attempts=event.attempts, next_attempt_at=event.next_attempt_at, state=DeliveryState.PENDING
        )
        if outcome.delivered:
            return bool(
                mine.update(state=DeliveryState.DELIVERED, delivered_at=now, next_attempt_at=None, last_error="")
            )
        why = outcome.error or f"HTTP {outcome.status_code}"
        if event.attempts >= settings.CHILDPROTECT_WEBHOOK_ATTEMPTS:
            if mine.update(state=DeliveryState.FAILED, next_attempt_at=None, last_error=why):
                _tell_failed(event, why)
        else:
            mine.update(next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(event.attempts)), last_error=why)
    return False


def _tell_failed(event: WebhookEvent, why: str) -> None:
    """The administrators are told, and the audit log says so: the report's later events wait behind this one."""
    client = event.client
    reference = event.payload.get("reference", "") if isinstance(event.payload, dict) else ""
    audit_record(
        actor=None,
        action=ApiAction.WEBHOOK_FAILED,
        obj=event,
        object_repr=f"{client.name}: {event.kind} #{event.sequence} ({reference})",
        changes={"attempts": event.attempts, "error": why},
    )
    admins = [u for u in administrators_active() if can_see_webhooks(u)]
    notify(
        recipients=admins,
        title=f"Không gửi được thông báo webhook đến {client.name}"[:200],
        body=(
            f"Thông báo “{event.kind}” số {event.sequence} về thông tin {reference} không gửi được sau "
            f"{event.attempts} lần thử (lần cuối: {why}). Các thông báo sau của thông tin này đang chờ; hãy kiểm tra "
            "với hệ thống đối tác rồi gửi lại."
        ),
        url=reverse("api:webhook_detail", args=[event.pk]),
        key=f"webhook:{event.pk}:failed:{event.attempt_log.count()}",
        kind=AlertKind.OTHER,  # nobody's commune: it never goes up a chain
    )


# --- the entry points --------------------------------------------------------------------------------------------


def deliver_report_events(client_id: int, report_id: int) -> int:
    """POST the pending events of (client, report) in sequence order; returns how many were delivered. Stops at the
    first that is not delivered (it waits for its next attempt, or failed) or that another worker holds."""
    client = ApiClient.objects.filter(pk=client_id).first()
    if client is None:
        return 0
    delivered = 0
    while (event := _claim(client_id, report_id)) is not None:
        if not _record(event, _post(client, event)):
            break
        delivered += 1
    return delivered


def due_lines() -> list[tuple[int, int]]:
    """The (client, report) pairs whose head is pending and due now: retries whose wait is over, claims whose lease
    ran out, and events whose queueing was lost (a broker outage). A line held by a failed event is not due."""
    due = (
        WebhookEvent.objects.filter(state=DeliveryState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        .exclude(_undelivered_before())
        .order_by("client_id", "report_id")
        .values_list("client_id", "report_id")
        .distinct()
    )
    return list(due)


def event_replay(*, actor: User, event: WebhookEvent) -> WebhookEvent:
    """Send `event` again (failed, or delivered and to be sent once more): back to pending with its attempts from
    zero, queued; the events held behind a failed one follow in order. Audited."""
    from .events import queue_delivery

    if not can_see_webhooks(actor):
        raise ValidationError("Chỉ quản trị hệ thống mới gửi lại thông báo webhook.")
    with transaction.atomic():
        locked = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        before = locked.state
        if before == DeliveryState.PENDING:
            raise ValidationError("Thông báo này đang chờ gửi; chỉ gửi lại được thông báo đã gửi hoặc đã thất bại.")
        locked.state = DeliveryState.PENDING
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.delivered_at = None
        locked.save(update_fields=["state", "attempts", "next_attempt_at", "delivered_at"])
        audit_record(actor=actor, action=ApiAction.WEBHOOK_REPLAY, obj=locked, changes={"state": [before, "pending"]})
        queue_delivery(locked.client_id, locked.report_id)
    return locked
