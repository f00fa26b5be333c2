"""The outbox: plan each notification's messages, send each exactly once, retry, sweep, record receipts.

- Planning (deliveries_plan) runs in the notification's transaction: one Delivery row per channel the recipient
  chose for the alert's kind, that is configured, and that they can be reached by (an e-mail address, a verified
  phone). A non-urgent message by phone made in the recipient's quiet hours waits for their end.
- Sending (delivery_send) is queued on commit, one task per delivery id. A sender first claims the row with one
  conditional UPDATE (of two senders, one wins), commits, then talks to the provider without holding a lock, then
  records the outcome: sent (with the provider's id), retried with backoff (a timeout, a 5xx, a rate limit), or
  failed (a permanent refusal, a template missing a variable, an answer that cannot be read).
- The sweep (deliveries_sweep, every minute) sends what is due and was not sent: a task lost with the broker, a retry
  whose wait is over, a quiet-hours message whose night is over, and a claim whose worker died (after
  CHILDPROTECT_ALERT_CLAIM_MINUTES; sent again with the same key, which providers that deduplicate use).
docs/alerts.md#delivery tells the whole of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from childprotect.audit.actions import AlertAction
from childprotect.audit.services import audit_record
from childprotect.core.bulk import insert_new
from childprotect.core.models import Notification

from .channels.base import DeliveryError, PermanentFailure, Receipt
from .channels.registry import adapter, enabled_channels
from .messages import compose
from .models import PHONE_CHANNELS, AlertProfile, Channel, Delivery, DeliveryStatus
from .phones import mask_address
from .preferences import channels_for, chosen_channels

if TYPE_CHECKING:
    from childprotect.accounts.models import User

logger = logging.getLogger(__name__)

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


# --- planning ---------------------------------------------------------------------------------------------------


def quiet_until(profile: AlertProfile | None, now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours `now` falls in (aware), or None when it falls in none."""
    if profile is None or profile.quiet_start is None or profile.quiet_end is None:
        return None
    start, end = profile.quiet_start, profile.quiet_end
    if start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), timezone.get_current_timezone())


def deliveries_plan(notification_ids: Iterable[int]) -> list[int]:
    """Make the Delivery rows of these notifications (in the caller's transaction), and queue those due now on commit.
    A fixed number of queries whatever the number of notifications. Returns the ids made."""
    ids = list(notification_ids)
    if not ids:
        return []
    channels = enabled_channels()
    notifications = list(
        Notification.objects.filter(pk__in=ids)
        .select_related("recipient__alert_profile")
        .only(
            "id", "kind", "urgent",
            "recipient__id", "recipient__role", "recipient__email", "recipient__is_active",
            *(f"recipient__alert_profile__{f}" for f in ("id", "quiet_start", "quiet_end", "phone",
                                                         "phone_verified_at")),
        )
    )  # fmt: skip
    chosen = chosen_channels({n.recipient_id for n in notifications})
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for n in notifications:
        user = n.recipient
        if not user.is_active:
            continue
        profile = getattr(user, "alert_profile", None)
        phone = profile.verified_phone if profile is not None else ""
        wanted = channels_for(user.role, n.kind, chosen, user.pk) & channels
        quiet = None if n.urgent else quiet_until(profile, now)
        for channel in sorted(wanted):
            address = user.email if channel == Channel.EMAIL else phone
            if not address:
                continue
            due = quiet if quiet is not None and channel in PHONE_CHANNELS else now
            rows.append(
                {
                    "notification": n.pk,
                    "recipient": user.pk,
                    "channel": channel,
                    "address": address,
                    "template": "alert",
                    "params": {},
                    "status": DeliveryStatus.PENDING,
                    "next_attempt_at": due,
                    "created_at": now,
                    "provider": "",
                    "provider_id": "",
                    "attempts": 0,
                    "error": "",
                    "test": False,
                }
            )
    made = insert_new(Delivery, rows, returning=["id", "notification", "channel"])
    later = {(r["notification"], r["channel"]) for r in rows if r["next_attempt_at"] > now}
    for pk, notification, channel in made:
        if (notification, channel) not in later:  # quiet hours: the sweep sends it when they end
            transaction.on_commit(partial(queue_send, pk))
    return [pk for pk, _, _ in made]


def message_make(
    *, recipient: User, channel: str, address: str, template: str, params: dict[str, str], test: bool = False
) -> Delivery:
    """A message of its own, not a notification's (a verification code, a test), sent after the commit."""
    delivery = Delivery.objects.create(
        recipient=recipient, channel=channel, address=address, template=template, params=params, test=test
    )
    transaction.on_commit(partial(queue_send, delivery.pk))
    return delivery


def queue_send(delivery_id: int) -> None:
    """Queue the delivery's task; a broker that is down is no error: the delivery stays due and the sweep sends it."""
    try:
        from .tasks import send_delivery

        send_delivery.delay(delivery_id)
    except Exception:  # kombu's OperationalError, a timeout, a refused connection: all are "not queued"
        logger.warning("delivery %s: task not queued (broker unavailable); the sweep will send it", delivery_id,
                       exc_info=True)  # fmt: skip


# --- sending ------------------------------------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> int:
    """The wait before attempt `attempts` + 1: 30 s, 1, 2, 4… minutes, at most an hour."""
    return int(min(3600, 30 * 2 ** max(0, attempts - 1)))


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    stale = now - dt.timedelta(minutes=settings.CHILDPROTECT_ALERT_CLAIM_MINUTES)
    return bool(
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
        )
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def delivery_send(delivery_id: int) -> str:
    """Send one delivery if it is due and no other sender has it; returns its status afterwards ("" when it was
    not this sender's to send). Exactly once across its task, retries and sweeps (see the module's docstring)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return ""
    mine = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at=now)
    delivery = mine.select_related("recipient", "notification").first()
    if delivery is None:
        return ""
    if not delivery.recipient.is_active:
        mine.update(status=DeliveryStatus.CANCELLED, error="Tài khoản người nhận không còn hoạt động", params={})
        return DeliveryStatus.CANCELLED
    if delivery.template == "verify_code" and now >= delivery.created_at + dt.timedelta(
        minutes=settings.CHILDPROTECT_PHONE_CODE_MINUTES
    ):  # a code that ran out before it could go (the provider was down): never sent, not kept
        mine.update(status=DeliveryStatus.CANCELLED, error="Mã xác minh đã hết hạn trước khi gửi được", params={})
        return DeliveryStatus.CANCELLED
    found = adapter(delivery.channel)
    if found is None:
        mine.update(status=DeliveryStatus.FAILED, error="Kênh này chưa được cấu hình", params={})
        return DeliveryStatus.FAILED
    try:
        message = compose(delivery)
        sent = found.send(message)
    except DeliveryError as exc:
        return _failed(mine, delivery, exc, now)
    except BaseException as exc:  # a bug, a worker shutdown: free it for the next attempt, then let it propagate
        mine.update(status=DeliveryStatus.PENDING, next_attempt_at=now + dt.timedelta(
            seconds=backoff_seconds(delivery.attempts)), error=f"lỗi: {type(exc).__name__}"[:300])  # fmt: skip
        raise
    mine.update(
        status=DeliveryStatus.SENT,
        provider=found.provider,
        provider_id=sent.provider_id[:100],
        sent_at=timezone.now(),
        error="",
        params={},
    )
    return DeliveryStatus.SENT


def _failed(mine: Any, delivery: Delivery, exc: DeliveryError, now: dt.datetime) -> str:
    error = str(exc)[:300]
    if isinstance(exc, PermanentFailure) or delivery.attempts >= settings.CHILDPROTECT_ALERT_MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.FAILED, error=error, params={})
        logger.warning("delivery %s (%s) failed: %s", delivery.pk, delivery.channel, error)
        return DeliveryStatus.FAILED
    wait = exc.retry_after if exc.retry_after is not None else backoff_seconds(delivery.attempts)
    mine.update(status=DeliveryStatus.PENDING, next_attempt_at=now + dt.timedelta(seconds=wait), error=error)
    return DeliveryStatus.PENDING


def deliveries_sweep(*, limit: int = 500) -> int:
    """Send the deliveries due and unsent (see the module's docstring); returns how many were sent. A channel whose
    provider failed for the moment is left for the next sweep."""
    now = timezone.now()
    fresh = now - dt.timedelta(seconds=settings.CHILDPROTECT_ALERT_SWEEP_AFTER_SECONDS)
    stale = now - dt.timedelta(minutes=settings.CHILDPROTECT_ALERT_CLAIM_MINUTES)
    due = list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            & (Q(created_at__lt=fresh) | Q(attempts__gt=0) | Q(next_attempt_at__gt=F("created_at")))
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "channel")[:limit]
    )
    down: set[str] = set()
    sent = 0
    for pk, channel in due:
        if channel in down:
            continue
        try:
            status = delivery_send(pk)
        except SoftTimeLimitExceeded:
            logger.warning("the sweep ran out of time at delivery %s; the next sweep goes on", pk)
            break
        except Exception:
            logger.warning("delivery %s: not sent; the next sweep tries again", pk, exc_info=True)
            down.add(channel)
            continue
        if status == DeliveryStatus.SENT:
            sent += 1
        elif status == DeliveryStatus.PENDING:
            down.add(channel)
    return sent


# --- receipts, opening, tests --------------------------------------------------------------------------------------


def receipts_record(provider: str, receipts: Iterable[Receipt]) -> int:
    """Record the provider's delivery receipts; one for a message we do not know, or already settled, changes
    nothing. Returns how many deliveries changed."""
    changed = 0
    now = timezone.now()
    for receipt in receipts:
        if not receipt.provider_id:
            continue
        rows = Delivery.objects.filter(provider=provider, provider_id=receipt.provider_id, status=DeliveryStatus.SENT)
        if receipt.delivered:
            changed += rows.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        else:
            changed += rows.update(
                status=DeliveryStatus.FAILED, error=(receipt.error or "Không đến được máy người nhận")[:300]
            )
    return changed


def notification_open(notification_id: int) -> Notification | None:
    """The link in a message was followed: the alert is opened (its escalation stops)."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is not None and notification.opened_at is None:
        Notification.objects.filter(pk=notification_id, opened_at__isnull=True).update(opened_at=timezone.now())
    return notification


def test_send(*, actor: User, channel: str, address: str) -> Delivery:
    """An administrator's test message by `channel` to `address` (checked by the caller's form), sent by the outbox
    like any other, audited."""
    if adapter(channel) is None:
        raise PermanentFailure("Kênh này chưa được cấu hình")
    with transaction.atomic():
        delivery = message_make(recipient=actor, channel=channel, address=address, template="test",
                                params={"site": settings.CHILDPROTECT_SITE_URL}, test=True)  # fmt: skip
        audit_record(actor=actor, action=AlertAction.TEST_SEND, obj=delivery, changes={"channel": channel})
    return delivery


# --- the administrators' page ----------------------------------------------------------------------------------------

# Messages of their own whose variables can be made again for a retry (their params are emptied when they fail); a
# verification code cannot: it is not kept, and the person asks for a new one.
_REMADE_PARAMS = {"test": lambda: {"site": settings.CHILDPROTECT_SITE_URL}}


def delivery_retry(*, actor: User, delivery: Delivery) -> Delivery:
    """Put a failed delivery back in the outbox, due now, with its attempts counted from zero again (it gets the whole
    CHILDPROTECT_ALERT_MAX_ATTEMPTS), and queue it on commit; audited. Only a FAILED one: the change is one conditional
    UPDATE on that status, so a message sent or delivered is never sent again, even by two administrators at once.
    Refused (ValidationError) for any other status, a verification code, or a channel that is off."""
    if delivery.template == "verify_code":
        raise ValidationError(
            _("Mã xác minh không được gửi lại (mã không được lưu); người dùng cần yêu cầu mã mới."), code="code"
        )
    if adapter(delivery.channel) is None:
        raise ValidationError(_("Kênh này chưa được cấu hình, không gửi lại được."), code="off")
    remake = _REMADE_PARAMS.get(delivery.template) if delivery.notification_id is None else None
    if delivery.notification_id is None and remake is None:
        raise ValidationError(_("Tin này không gửi lại được."), code="template")
    now = timezone.now()
    with transaction.atomic():
        changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_at=None,
            provider_id="",
            params=remake() if remake is not None else {},
        )
        if not changed:
            raise ValidationError(
                _("Chỉ gửi lại được tin ở trạng thái “Gửi không được”; tin này không được gửi lại."), code="status"
            )
        audit_record(
            actor=actor,
            action=AlertAction.RETRY,
            obj=delivery,
            object_repr=f"{delivery.get_channel_display()} → {mask_address(delivery.address)}",
            changes={"status": ["failed", "pending"], "attempts": [delivery.attempts, 0], "error": delivery.error},
        )
        transaction.on_commit(partial(queue_send, delivery.pk))
    delivery.refresh_from_db()
    return delivery
