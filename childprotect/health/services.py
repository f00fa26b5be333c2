"""Every write of the health app: heartbeats, queue samples, alarms and the administrators' e-mails
(docs/architecture.md#health-heartbeats-and-alarms)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from childprotect.accounts.selectors import administrators_active
from childprotect.audit.actions import HealthAction
from childprotect.audit.services import audit_record

from .broker import queue_lengths
from .models import Alarm, AlarmKind, Component, Heartbeat, Lease
from .selectors import BEAT_NAME, SCAN_NAME, Problem, health_problems

logger = logging.getLogger(__name__)


def heartbeat_record(*, kind: str, name: str, details: dict[str, Any] | None = None) -> Heartbeat:
    """`name` of `kind` is alive now: its row is created or updated (never a new row per beat)."""
    now = timezone.now()
    fields: dict[str, Any] = {"last_seen": now}
    if details is not None:
        fields["details"] = details
    beat, _ = Heartbeat.objects.update_or_create(
        kind=kind, name=name[:200], defaults=fields, create_defaults={**fields, "first_seen": now}
    )
    return beat


def beat_heartbeat_record() -> Heartbeat:
    """Beat is alive: its every-minute task ran (childprotect/schedule.py). It runs on a worker: a backed-up queue
    delays it too (which the queue samples show)."""
    return heartbeat_record(kind=Component.BEAT, name=BEAT_NAME)


def scan_run_record(result: dict[str, int]) -> Heartbeat:
    """The deadline scan finished (cases.tasks.scan_deadlines calls this after it): what it did, and when."""
    return heartbeat_record(kind=Component.SCAN, name=SCAN_NAME, details=dict(result))


def worker_heartbeat_record(hostname: str, queues: list[str]) -> Heartbeat:
    return heartbeat_record(kind=Component.WORKER, name=hostname, details={"queues": sorted(queues)})


def queues_sample() -> dict[str, int] | None:
    """Measure the broker's queues (CHILDPROTECT_HEALTH_QUEUES) if the last sample is older than
    CHILDPROTECT_QUEUE_SAMPLE_SECONDS, and keep each queue's last lengths (as many as the growth test needs) in its
    heartbeat. Every worker's timer calls this; the row lock makes one of them sample at a time. None: not due, or
    the broker did not answer (the readiness check says so)."""
    now = timezone.now()
    every = dt.timedelta(seconds=settings.CHILDPROTECT_QUEUE_SAMPLE_SECONDS)
    keep = max(settings.CHILDPROTECT_QUEUE_GROWTH_SAMPLES, 2)
    names = list(settings.CHILDPROTECT_HEALTH_QUEUES)
    with transaction.atomic():
        for name in names:  # rows to lock, made once
            Heartbeat.objects.get_or_create(
                kind=Component.QUEUE, name=name, defaults={"first_seen": now, "last_seen": now - 2 * every}
            )
        rows = list(Heartbeat.objects.select_for_update().filter(kind=Component.QUEUE, name__in=names).order_by("name"))
        if all(row.last_seen > now - every for row in rows):
            return None
        lengths = queue_lengths(names)
        if lengths is None:
            return None
        for row in rows:
            row.details = {"lengths": [*row.details.get("lengths", []), lengths[row.name]][-keep:]}
            row.last_seen = now
            row.save(update_fields=["details", "last_seen"])
    return lengths


def heartbeats_prune() -> int:
    """Forget workers (and queues no longer measured) not seen for CHILDPROTECT_HEARTBEAT_KEEP_DAYS: a container's
    hostname changes at each deploy, and the table must not grow with them."""
    old = timezone.now() - dt.timedelta(days=settings.CHILDPROTECT_HEARTBEAT_KEEP_DAYS)
    stale = Heartbeat.objects.filter(last_seen__lt=old, kind__in=[Component.WORKER, Component.QUEUE])
    return stale.delete()[0]


def _alarm_open(problem: Problem) -> Alarm | None:
    try:
        with transaction.atomic():
            alarm = Alarm.objects.create(
                kind=problem.kind, since=problem.since, subject=problem.subject, opened_at=timezone.now()
            )
            audit_record(actor=None, action=HealthAction.ALARM_OPEN, obj=alarm, changes={"kind": problem.kind})
    except IntegrityError:  # another worker opened it first (one open alarm per kind)
        return None
    return alarm


def _alarm_close(alarm: Alarm) -> bool:
    with transaction.atomic():
        closed = Alarm.objects.filter(pk=alarm.pk, closed_at__isnull=True).update(closed_at=timezone.now())
        if closed:
            audit_record(actor=None, action=HealthAction.ALARM_CLOSE, obj=alarm, changes={"kind": alarm.kind})
    return bool(closed)


def alarms_check() -> list[Alarm]:
    """Open an alarm for each problem that has none, close those whose problem is gone, then e-mail the
    administrators about what they were not told yet. Returns the alarms open now."""
    problems = {str(p.kind): p for p in health_problems()}
    open_alarms = {a.kind: a for a in Alarm.objects.filter(closed_at__isnull=True)}
    for kind, problem in problems.items():
        if kind not in open_alarms:
            _alarm_open(problem)
    for kind, alarm in open_alarms.items():
        if kind not in problems:
            _alarm_close(alarm)
    alarms_notify()
    return list(Alarm.objects.filter(closed_at__isnull=True))


def administrator_emails() -> list[str]:
    """The addresses of the active administrators (the admin role, or superusers) that have one, and the technical
    administrators of ADMINS (who also receive the server errors)."""
    people = administrators_active().exclude(email="")
    return sorted({*people.values_list("email", flat=True), *(address for _name, address in settings.ADMINS)})


def _claim(alarm: Alarm, field: str) -> bool:
    """Whether this process is the one to send `field`'s e-mail (another worker's timer may be at it too)."""
    return bool(Alarm.objects.filter(pk=alarm.pk, **{f"{field}__isnull": True}).update(**{field: timezone.now()}))


def _notify(alarm: Alarm, field: str, *, resolved: bool) -> int:
    """Send the alarm's e-mail (or its "resolved" one) if this process claims it first; a failed send gives the claim
    back for the next tick. 1 if sent."""
    if not _claim(alarm, field):
        return 0
    try:
        _send(alarm, resolved=resolved)
    except Exception:
        logger.exception("health: the %s e-mail of alarm %s could not be sent", field, alarm.pk)
        Alarm.objects.filter(pk=alarm.pk).update(**{field: None})
        return 0
    return 1


def _send(alarm: Alarm, *, resolved: bool) -> None:
    problem = Problem(AlarmKind(alarm.kind), alarm.since, alarm.subject)
    with translation.override(settings.LANGUAGE_CODE):
        title = str(problem.kind.label)
        if resolved:
            subject = gettext("[Bảo vệ trẻ em] Đã hết sự cố: %(title)s") % {"title": title}
            body = gettext("Sự cố “%(title)s” phát hiện lúc %(opened)s đã hết lúc %(closed)s.") % {
                "title": title,
                "opened": timezone.localtime(alarm.opened_at).strftime("%H:%M %d/%m/%Y"),
                "closed": timezone.localtime(alarm.closed_at or timezone.now()).strftime("%H:%M %d/%m/%Y"),
            }
        else:
            subject = gettext("[Bảo vệ trẻ em] Sự cố hệ thống: %(title)s") % {"title": title}
            body = "\n\n".join(
                [
                    problem.message(),
                    gettext("Thư này chỉ gửi một lần cho mỗi sự cố; khi sự cố hết, một thư nữa báo điều đó."),
                ]
            )
    recipients = administrator_emails()
    if recipients:
        send_mail(subject, body, None, recipients, fail_silently=False)


def alarms_notify() -> int:
    """E-mail the administrators once per incident, and once when it is resolved. Sent here and now with Django's
    send_mail (EMAIL_TIMEOUT bounds it), not through the outbox: the outbox needs beat's sweep and a messages worker,
    which may be what is down. A failed send gives the claim back: the next tick tries again."""
    sent = 0
    for alarm in Alarm.objects.filter(notified_at__isnull=True).order_by("opened_at"):
        if alarm.closed_at is not None:  # over before anyone could be told: nothing to say
            Alarm.objects.filter(pk=alarm.pk).update(notified_at=alarm.closed_at, resolved_notified_at=alarm.closed_at)
            continue
        sent += _notify(alarm, "notified_at", resolved=False)
    resolved = Alarm.objects.filter(
        closed_at__isnull=False, notified_at__isnull=False, resolved_notified_at__isnull=True
    )
    for alarm in resolved:
        sent += _notify(alarm, "resolved_notified_at", resolved=True)
    return sent


def lease_take(name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `seconds`: True if `holder` has it now (it had it, or its last holder let it
    run out), False while another holds it. One conditional UPDATE (or the first INSERT): two processes asking at
    once cannot both get it. Each process's own clock decides expiry: the machines keep time by NTP."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=seconds)
    held = Q(holder=holder) | Q(until__lt=now)
    if Lease.objects.filter(held, name=name).update(holder=holder, until=until):
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, until=until)
    except IntegrityError:  # it exists and another holds it
        return False
    return True


def lease_release(name: str, holder: str) -> None:
    """Give the lease up (a beat that stops cleanly): another may take it at once."""
    Lease.objects.filter(name=name, holder=holder).delete()


def health_tick(hostname: str, queues: list[str]) -> None:
    """A worker's periodic health round (childprotect/health/worker.py): its heartbeat, the queue sample when due,
    the alarms and their e-mails, the pruning of old heartbeats. Beat is not needed for any of it."""
    worker_heartbeat_record(hostname, queues)
    queues_sample()
    alarms_check()
    heartbeats_prune()
