"""Notifications: write the rows, then mail them after the transaction commits (a task per notification id)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notify(
    *, recipients: Iterable[Any], title: str, body: str = "", url: str = "", key: str = ""
) -> list[Notification]:
    """Notify each recipient once; with a `key`, a second call for the same recipient and key creates nothing."""
    from .tasks import send_notification_email

    created: list[Notification] = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction usable
                created.append(
                    Notification.objects.create(recipient=user, title=title[:200], body=body, url=url, key=key[:200])
                )
        except IntegrityError:
            if not key:
                raise
    for notification in created:
        transaction.on_commit(partial(send_notification_email.delay, notification.pk))
    return created


def notification_mark_read(*, actor: Any, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
