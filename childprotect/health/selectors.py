"""What is wrong with the background machinery, read from the heartbeats
(docs/architecture.md#health-heartbeats-and-alarms).

Read-only: /readyz and the home page ask these on every request; the alarms (services.alarms_check) are opened and
closed from the same answer by the workers' health timer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from childprotect.accounts.policy import Person, can_see_system_health

from .models import Alarm, AlarmKind, Component, Heartbeat

SCAN_NAME = "deadlines"
BEAT_NAME = "beat"


@dataclass(frozen=True)
class Problem:
    kind: AlarmKind
    since: dt.datetime | None  # the last sign of life; None if there never was one
    subject: str = ""  # the queue that keeps growing

    def message(self) -> str:
        """What is wrong and what it means, in words for administrators and supervisors."""
        when = timezone.localtime(self.since).strftime("%H:%M %d/%m/%Y") if self.since else ""
        if self.kind == AlarmKind.SCAN_STALE:
            if not when:
                return gettext(
                    "Lịch quét thời hạn chưa chạy lần nào: nhắc hạn và cảnh báo quá hạn không được gửi. "
                    "Hãy báo quản trị kỹ thuật kiểm tra bộ lập lịch (celery beat)."
                )
            return gettext(
                "Lịch quét thời hạn đã dừng từ %(when)s: nhắc hạn và cảnh báo quá hạn không được gửi. "
                "Hãy báo quản trị kỹ thuật kiểm tra bộ lập lịch (celery beat) và tiến trình xử lý nền."
            ) % {"when": when}
        if self.kind == AlarmKind.NO_WORKER:
            return gettext(
                "Không còn tiến trình xử lý nền (celery worker) nào hoạt động từ %(when)s: thư, tin nhắn và "
                "các việc nền (nhập tệp, xuất báo cáo) không được thực hiện."
            ) % {"when": when}
        return gettext(
            "Hàng đợi công việc “%(queue)s” tăng liên tục: các việc nền đang bị chậm, thư và tin nhắn có thể đến muộn."
        ) % {"queue": self.subject}


def _minutes(value: float) -> dt.timedelta:
    return dt.timedelta(minutes=float(value))


def queue_keeps_growing(lengths: list[int]) -> bool:
    """The last CHILDPROTECT_QUEUE_GROWTH_SAMPLES lengths each larger than the one before, the last one at least
    CHILDPROTECT_QUEUE_GROWTH_THRESHOLD: the workers take less than what arrives (a queue that is long but
    shrinking, or long and steady, is being worked off)."""
    count = settings.CHILDPROTECT_QUEUE_GROWTH_SAMPLES
    last = lengths[-count:]
    if len(last) < count or last[-1] < settings.CHILDPROTECT_QUEUE_GROWTH_THRESHOLD:
        return False
    return all(b > a for a, b in zip(last, last[1:], strict=False))


def health_problems(now: dt.datetime | None = None) -> list[Problem]:
    """Every alarm condition that holds now, from the heartbeats (one query).

    - the deadline scan has not finished for CHILDPROTECT_SCAN_STALE_MINUTES (beat stopped, or no worker runs it, or
      it fails each time); if it never ran, only once the system has been running that long (a fresh install);
    - workers were seen, but none for CHILDPROTECT_WORKER_STALE_MINUTES (their health timer beats every
      CHILDPROTECT_HEALTH_TICK_SECONDS); a system that never had a worker says nothing (tests, a fresh install);
    - a broker queue keeps growing (queue_keeps_growing).
    """
    now = now or timezone.now()
    beats = list(Heartbeat.objects.all())  # a row per component: a handful
    problems: list[Problem] = []

    scan_stale = _minutes(settings.CHILDPROTECT_SCAN_STALE_MINUTES)
    scan = next((b for b in beats if b.kind == Component.SCAN and b.name == SCAN_NAME), None)
    if scan is not None:
        if scan.last_seen < now - scan_stale:
            problems.append(Problem(AlarmKind.SCAN_STALE, scan.last_seen))
    else:
        started = min((b.first_seen for b in beats), default=None)
        if started is not None and started < now - scan_stale:
            problems.append(Problem(AlarmKind.SCAN_STALE, None))

    workers = [b.last_seen for b in beats if b.kind == Component.WORKER]
    if workers and max(workers) < now - _minutes(settings.CHILDPROTECT_WORKER_STALE_MINUTES):
        problems.append(Problem(AlarmKind.NO_WORKER, max(workers)))

    for queue in sorted((b for b in beats if b.kind == Component.QUEUE), key=lambda b: b.name):
        if queue_keeps_growing(list(queue.details.get("lengths", []))):
            problems.append(Problem(AlarmKind.QUEUE_GROWING, None, queue.name))
            break  # one alarm for the broker: the first queue says enough
    return problems


def health_problems_for(user: Person) -> list[Problem]:
    """The problems a person's home page shows: administrators' and supervisors' (they can have it looked into);
    nothing for everyone else, without a query."""
    if not can_see_system_health(user):
        return []
    return health_problems()


def heartbeat_ages(now: dt.datetime | None = None) -> dict[tuple[str, str], float]:
    """Seconds since each component's last heartbeat, by (kind, name): for metrics."""
    now = now or timezone.now()
    return {(b.kind, b.name): (now - b.last_seen).total_seconds() for b in Heartbeat.objects.all()}


def alarms_open() -> list[Alarm]:
    return list(Alarm.objects.filter(closed_at__isnull=True).order_by("opened_at"))
