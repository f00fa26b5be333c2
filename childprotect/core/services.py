"""Notifications: write the rows, then mail them after the transaction commits (a task per notification id)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .bulk import insert_new
from .models import Notification

if TYPE_CHECKING:  # accounts imports core
    from childprotect.accounts.models import User

logger = logging.getLogger(__name__)


def notify(
    *, recipients: Iterable[Any], title: str, body: str = "", url: str = "", key: str = ""
) -> list[Notification]:
    """Notify each recipient once; with a `key`, a second call for the same recipient and key creates nothing.

    Each notification of a recipient with an e-mail address is due to be mailed: a task is queued on commit, and if
    the broker is down the sweep (notification_emails_sweep) sends it a minute later. Either way, once.

    An inactive recipient is not notified, and a warning names them: a caller that must reach someone picks its
    recipients by who can act (for a case, cases/responsible.py), not by who once did."""
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
                        email_due=bool(user.email),
                    )
                )
        except IntegrityError:
            if not key:
                raise
    for notification in created:
        if notification.email_due:
            transaction.on_commit(partial(_queue_email, notification.pk))
    return created


@dataclass(frozen=True)
class Keyed:
    """One notification for `notify_keyed`: made at most once per recipient and key."""

    recipient: Any
    title: str
    body: str
    url: str
    key: str


def notify_keyed(notifications: Iterable[Keyed]) -> list[tuple[int, str]]:
    """What `notify` does with a key, for many notifications and keys at once, in a fixed number of statements.

    Inactive or missing recipients are skipped (the inactive ones with a warning, as by `notify`); of two with the
    same recipient and key, the first one is kept; one that exists already (made by an earlier call) is not made
    again. E-mails are queued on commit as by `notify`.
    Returns (recipient id, key) of each notification made."""
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
                "email_due": bool(user.email),
            },
        )
    made = insert_new(Notification, list(rows.values()), returning=["id", "recipient", "key", "email_due"])
    for pk, _, _, email_due in made:
        if email_due:
            transaction.on_commit(partial(_queue_email, pk))
    return [(recipient, key) for _, recipient, key, _ in made]


def _warn_inactive(users: list[Any], title: str) -> None:
    if users:
        logger.warning("notification not sent to inactive account(s) %s: %s", sorted(u.pk for u in users), title[:200])


def _queue_email(notification_id: int) -> None:
    """Queue the e-mail's task; a broker that is down costs the caller a few seconds at most (the publish retry
    policy and connection timeout in settings), never an error: the notification stays due and the sweep sends it."""
    from .tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:  # kombu's OperationalError, a timeout, a refused connection: all are "not queued"
        logger.warning(
            "notification %s: e-mail task not queued (broker unavailable); the sweep will send it",
            notification_id,
            exc_info=True,
        )


def notification_email_send(notification_id: int) -> bool:
    """Mail one notification, exactly once across every sender (its queued task, a retry, concurrent sweeps).

    The sender first claims it with one UPDATE that only succeeds while it is unsent and unclaimed (or claimed so
    long ago that its sender must have died): of two senders, the database lets exactly one through. The claim is
    committed before the SMTP conversation (no lock is held across the network); a send that fails releases it, so
    the next sweep tries again. The one window left is a sender dying between the SMTP server's acceptance and
    the recording of it: after CHILDPROTECT_EMAIL_CLAIM_MINUTES that e-mail is sent a second time (SMTP offers no
    transaction to close it), which is preferred to losing a reminder.
    """
    now = timezone.now()
    stale = now - dt.timedelta(minutes=settings.CHILDPROTECT_EMAIL_CLAIM_MINUTES)
    claimed = (
        Notification.objects.filter(pk=notification_id, email_due=True, emailed_at__isnull=True)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .update(email_claimed_at=now)
    )
    if not claimed:
        return False
    mine = Notification.objects.filter(pk=notification_id, email_claimed_at=now, emailed_at__isnull=True)
    notification = mine.select_related("recipient").first()
    if notification is None:
        return False
    if not notification.recipient.email or not notification.recipient.is_active:
        mine.update(email_due=False, email_claimed_at=None)  # nobody to mail any more: not swept again
        return False
    try:
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string(
                "core/email/notification.txt", {"n": notification, "site": settings.CHILDPROTECT_SITE_URL}
            )
        send_mail(f"[Bảo vệ trẻ em] {notification.title}", body, None, [notification.recipient.email])
    except BaseException:
        mine.update(email_claimed_at=None)  # unsent: free for the retry or the next sweep
        raise
    mine.update(emailed_at=timezone.now())
    return True


def notification_emails_sweep(*, limit: int = 500) -> int:
    """Send the e-mails that are due and still unsent a minute after their notification was made (their task was
    lost, or their send failed); returns how many were sent. Stops at the first SMTP failure: the server is likely
    down, and the next sweep (every few minutes, childprotect/schedule.py) tries again."""
    now = timezone.now()
    older = now - dt.timedelta(seconds=settings.CHILDPROTECT_EMAIL_SWEEP_AFTER_SECONDS)
    stale = now - dt.timedelta(minutes=settings.CHILDPROTECT_EMAIL_CLAIM_MINUTES)
    pending = list(
        Notification.objects.filter(email_due=True, emailed_at__isnull=True, created_at__lt=older)
        .filter(Q(email_claimed_at__isnull=True) | Q(email_claimed_at__lt=stale))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in pending:
        try:
            sent += notification_email_send(pk)
        except Exception:
            logger.warning("notification %s: e-mail not sent; the next sweep tries again", pk, exc_info=True)
            break
    return sent


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
