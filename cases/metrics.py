"""What casework adds to /metrics (docs/architecture.md#metrics): the open and overdue deadlines by kind, and the
reminders sent by kind, counted at each scrape in two queries."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from childprotect.metrics.collectors import counts_by, gauge

from .models import Deadline, DeadlineKind, DeadlineStatus, Reminder, ReminderKind


class DeadlineCollector:
    def collect(self) -> Iterator[Metric]:
        # One query: the open deadlines of each kind, and how many of them are past due ("overdue" as the case list
        # and the scan say it: due_at <= now).
        rows = (
            Deadline.objects.filter(status=DeadlineStatus.OPEN)
            .order_by()
            .values_list("kind")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lte=timezone.now())))
        )
        found = {kind: (open_, overdue) for kind, open_, overdue in rows}
        opened = GaugeMetricFamily("childprotect_deadlines_open", "Open statutory deadlines, by kind", labels=["kind"])
        overdue = GaugeMetricFamily(
            "childprotect_deadlines_overdue", "Open statutory deadlines past their due time, by kind", labels=["kind"]
        )
        for kind in sorted({*DeadlineKind.values, *found}):
            o, late = found.get(kind, (0, 0))
            opened.add_metric([kind], o)
            overdue.add_metric([kind], late)
        yield opened
        yield overdue
        yield gauge(
            "childprotect_reminders",
            "Deadline reminders sent (the deadline scan's), by kind",
            ["kind"],
            counts_by(Reminder.objects.all(), "kind"),
            [(k,) for k in ReminderKind.values],
        )
