"""Rows of the alerts' outbox made directly, in any status (the administrators' page lists and counts them), the
failed delivery of the access matrix's world (an SMS channel for tests: tests/support/channels.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.alerts.models import Delivery, DeliveryStatus


def make_delivery(
    recipient: User,
    *,
    channel: str = "email",
    status: str = DeliveryStatus.SENT,
    address: str = "",
    ago: dt.timedelta = dt.timedelta(hours=1),
    **fields: Any,
) -> Delivery:
    """A delivery made `ago` before now, with no notification (a "test" message unless `template` says otherwise)."""
    made = timezone.now() - ago
    defaults: dict[str, Any] = {
        "template": "test",
        "params": {},
        "next_attempt_at": made,
        "created_at": made,
        "attempts": 0 if status == DeliveryStatus.PENDING else 1,
    }
    if status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
        defaults.update(provider="smtp", provider_id=f"<{recipient.pk}.{made.timestamp()}@test>", sent_at=made)
    if status == DeliveryStatus.FAILED:
        defaults["error"] = "HTTP 400: số điện thoại không nhận tin"
    defaults.update(fields)
    address = address or (recipient.email if channel == "email" else "+84912345678")
    return Delivery.objects.create(recipient=recipient, channel=channel, status=status, address=address, **defaults)


def world_delivery(admin: User) -> Delivery:
    """A failed test e-mail of the administrator's (the administrators' page shows it and may send it again)."""
    return make_delivery(
        admin, status=DeliveryStatus.FAILED, address="quantri@example.vn", error="máy chủ thư: từ chối"
    )
