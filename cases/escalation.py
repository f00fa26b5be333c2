"""Escalation of urgent alerts nobody opened (docs/alerts.md#escalation).

An urgent notification neither read in the bell (read_at) nor opened from its link (opened_at) within
CHILDPROTECT_ALERT_ESCALATE_MINUTES goes to the next people in the chain of its commune (`unit`):

- a commune officer's or a partner's: the commune's active chairs;
- a chair's: the active supervisors of the units above the commune (the top of the chain);
- a level with nobody active is passed over (no active chair: the supervisors);
- a person of the level who already had the same event (directly: the same key, or escalated: its key with ":up")
  is skipped; when every one of the level already had it, it goes no further: their own copies are urgent too and go
  up by themselves if they stay unopened, and a level that has opened it is not passed over.

Each step exactly once: the scan claims the source with one conditional UPDATE of `escalated_at` (rows read with
SKIP LOCKED where the database has it, so two scans share no row), and the escalated copies are keyed
f"{event}:up" (unique per recipient): repeated or concurrent scans make nothing twice. An escalated copy keeps the
source's kind, urgency, commune, reference, what and due time, and escalates again (chair → supervisor) when it is
not opened. Each escalation is audited (AlertAction.ESCALATED, by the system). The whole scan is a fixed number of
queries per batch (SCAN_BATCH sources), whatever its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from childprotect.accounts.models import Role, User
from childprotect.audit.actions import AlertAction
from childprotect.audit.services import audit_record_many
from childprotect.core.models import Notification
from childprotect.core.services import Keyed, notify_keyed

from .responsible import CommuneHeads

__all__ = ["ESCALATES", "EscalationResult", "escalations_scan", "event_key"]

UP = ":up"
# Whose alerts go up, and to which level first: 0 = the commune's chairs, 1 = the supervisors above it.
ESCALATES: dict[str, int] = {Role.COMMUNE_OFFICER: 0, Role.PARTNER: 0, Role.COMMUNE_CHAIR: 1}
SCAN_BATCH = 500


@dataclass
class EscalationResult:
    claimed: int = 0  # sources claimed (escalated, or with nobody left to go to)
    escalated: int = 0  # sources that went up to someone
    notifications: int = 0  # escalated copies made


def event_key(notification: Notification) -> str:
    """The event a notification is of, whichever level it reached: its key without the ":up"s of escalation (a
    notification without a key is an event of its own, "n<id>")."""
    key = notification.key or f"n{notification.pk}"
    while key.endswith(UP):
        key = key[: -len(UP)]
    return key


def escalations_scan(now: dt.datetime | None = None, *, limit: int = SCAN_BATCH) -> EscalationResult:
    """Send up the urgent notifications unopened for CHILDPROTECT_ALERT_ESCALATE_MINUTES (see the module)."""
    now = now or timezone.now()
    since = now - dt.timedelta(minutes=settings.CHILDPROTECT_ALERT_ESCALATE_MINUTES)
    result = EscalationResult()
    while _escalate_batch(now, since, limit, result) == limit:
        pass
    return result


def _escalate_batch(now: dt.datetime, since: dt.datetime, limit: int, result: EscalationResult) -> int:
    """One batch of at most `limit` sources, in one transaction; returns how many were read."""
    with transaction.atomic():
        sources = list(
            Notification.objects.filter(
                urgent=True,
                read_at__isnull=True,
                opened_at__isnull=True,
                escalated_at__isnull=True,
                created_at__lte=since,
                unit__isnull=False,
                recipient__role__in=list(ESCALATES),
            )
            .select_related("recipient", "unit__parent__parent")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("created_at", "pk")[:limit]
        )
        if not sources:
            return 0
        ids = [n.pk for n in sources]
        # The claim: only a source still unread, unopened and unclaimed is this scan's.
        claimed = Notification.objects.filter(
            pk__in=ids, escalated_at__isnull=True, read_at__isnull=True, opened_at__isnull=True
        ).update(escalated_at=now)
        if claimed != len(ids):  # another scan (or a reader) got there first, without row locks (SQLite)
            mine = set(Notification.objects.filter(pk__in=ids, escalated_at=now).values_list("pk", flat=True))
            sources = [n for n in sources if n.pk in mine]
        result.claimed += len(sources)
        heads = CommuneHeads({n.unit for n in sources if n.unit is not None})
        events = {event_key(n) for n in sources}
        had: dict[str, set[int]] = {}
        for key, recipient in Notification.objects.filter(key__in=events | {e + UP for e in events}).values_list(
            "key", "recipient_id"
        ):
            had.setdefault(key.removesuffix(UP), set()).add(recipient)
        planned: dict[int, list[User]] = {}
        for n in sources:
            event = event_key(n)
            seen = had.setdefault(event, set()) | {n.recipient_id}
            unit = n.unit_id or 0  # never 0: the query took only notifications with a commune
            levels = [heads.chairs(unit), heads.supervisors(unit)][ESCALATES[n.recipient.role] :]
            for people in levels:
                if not people:
                    continue  # nobody active at this level: the next one up
                fresh = [u for u in people if u.pk not in seen]
                if fresh:
                    planned[n.pk] = fresh
                    had[event].update(u.pk for u in fresh)
                break  # the level had it already: their own copies go up by themselves
        minutes = settings.CHILDPROTECT_ALERT_ESCALATE_MINUTES
        by_id = {n.pk: n for n in sources}
        made = set(
            notify_keyed(
                Keyed(
                    recipient=user,
                    title=f"Cảnh báo khẩn chưa được xem: {n.title}"[:200],
                    body=(
                        f"{n.recipient.full_name or n.recipient.username} chưa xem cảnh báo khẩn này sau {minutes} "
                        f"phút (gửi lúc {timezone.localtime(n.created_at):%H:%M %d/%m/%Y}). {n.body}"
                    ),
                    url=n.url,
                    key=event_key(n) + UP,
                    kind=n.kind,
                    urgent=True,
                    unit_id=n.unit_id,
                    ref=n.ref,
                    what=n.what,
                    due_at=n.due_at,
                    escalated_from=n.pk,
                )
                for pk, people in planned.items()
                for n in [by_id[pk]]
                for user in people
            )
        )
        entries = []
        for pk, people in planned.items():
            n = by_id[pk]
            to = [u.pk for u in people if (u.pk, event_key(n) + UP) in made]
            if to:
                result.escalated += 1
                result.notifications += len(to)
                changes = {"from": n.recipient_id, "to": to, "unit": n.unit_id, "kind": n.kind, "ref": n.ref}
                entries.append((n, changes, f"Thông báo #{n.pk}"))
        audit_record_many(actor=None, action=AlertAction.ESCALATED, entries=entries)
    return len(ids)
