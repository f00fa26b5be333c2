"""Notifications: write the rows (the bell) and plan their messages (childprotect/alerts), sent after the commit."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone

from .bulk import insert_new
from .models import Notification

if TYPE_CHECKING:  # accounts imports core
    from childprotect.accounts.models import User

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable[Any],
    title: str,
    body: str = "",
    url: str = "",
    key: str = "",
    kind: str = "other",
    urgent: bool = False,
    unit: Any = None,
    ref: str = "",
    what: str = "",
    due_at: dt.datetime | None = None,
) -> list[Notification]:
    """Notify each recipient once; with a `key`, a second call for the same recipient and key creates nothing.

    Each notification is in the bell, and is sent by the channels its recipient chose for its `kind` (e-mail, SMS,
    Zalo: childprotect/alerts), from the outbox after the commit, once. An `urgent` one passes quiet hours and goes
    up the chain of the commune `unit` when nobody opens it (docs/alerts.md). `ref`, `what` and `due_at` are all
    that SMS and Zalo say of it: never put a name in them.

    An inactive recipient is not notified, and a warning names them: a caller that must reach someone picks its
    recipients by who can act (for a case, cases/responsible.py), not by who once did."""
    from childprotect.alerts.services import deliveries_plan

    created: list[Notification] = []
    people = {u.pk: u for u in recipients if u is not None}
    _warn_inactive([u for u in people.values() if not u.is_active], title)
    for user in (u for u in people.values() if u.is_active):
        try:
            with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction usable
                created.append(
                    Notification.objects.create(
                        recipient=user,
                        title=title[:200],
                        body=body,
                        url=url,
                        key=key[:200],
                        kind=kind,
                        urgent=urgent,
                        unit_id=getattr(unit, "pk", unit),  # a unit or its id
                        ref=ref[:30],
                        what=what[:120],
                        due_at=due_at,
                    )
                )
        except IntegrityError:
            if not key:
                raise
    deliveries_plan(n.pk for n in created)
    return created


@dataclass(frozen=True)
class Keyed:
    """One notification for `notify_keyed`: made at most once per recipient and key (the fields as for `notify`)."""

    recipient: Any
    title: str
    body: str
    url: str
    key: str
    kind: str = "other"
    urgent: bool = False
    unit_id: int | None = None
    ref: str = ""
    what: str = ""
    due_at: dt.datetime | None = None
    escalated_from: int | None = None  # the notification this one went up the chain from (docs/alerts.md#escalation)


def notify_keyed(notifications: Iterable[Keyed]) -> list[tuple[int, str]]:
    """What `notify` does with a key, for many notifications and keys at once, in a fixed number of statements.

    Inactive or missing recipients are skipped (the inactive ones with a warning, as by `notify`); of two with the
    same recipient and key, the first one is kept; one that exists already (made by an earlier call) is not made
    again. Their messages are planned as by `notify`.
    Returns (recipient id, key) of each notification made."""
    from childprotect.alerts.services import deliveries_plan

    now = timezone.now()
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for n in notifications:
        user = n.recipient
        if user is not None and not user.is_active:
            _warn_inactive([user], n.title)
        if user is None or not user.is_active or not n.key:
            continue
        rows.setdefault(
            (user.pk, n.key[:200]),
            {
                "recipient": user.pk,
                "title": n.title[:200],
                "body": n.body,
                "url": n.url,
                "key": n.key[:200],
                "created_at": now,
                "kind": n.kind,
                "urgent": n.urgent,
                "unit": n.unit_id,
                "ref": n.ref[:30],
                "what": n.what[:120],
                "due_at": n.due_at,
                "escalated_from": n.escalated_from,
            },
        )
    made = insert_new(Notification, list(rows.values()), returning=["id", "recipient", "key"])
    deliveries_plan(pk for pk, _, _ in made)
    return [(recipient, key) for _, recipient, key in made]


def _warn_inactive(users: list[Any], title: str) -> None:
    if users:
        logger.warning("notification not sent to inactive account(s) %s: %s", sorted(u.pk for u in users), title[:200])


def sessions_clear_expired() -> int:
    """Delete expired sessions (what `manage.py clearsessions` does), returning how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def notification_mark_read(*, actor: User, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
