"""The shared floor's collectors, read at every scrape: one grouped query each (docs/architecture.md#metrics).

Rows in a table now are gauges (a delivery moves from pending to sent; old exports expire); the task counters only
grow and are counters. Every known label value is given, at 0 when there is no row, so that a series does not
vanish when its last row goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from django.db.models import Count, Model, QuerySet
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from childprotect.alerts.models import AlertKind, Channel, Delivery, DeliveryStatus
from childprotect.core.models import ExportJob, ExportStatus, ImportJob, ImportStatus, Notification

from .models import TaskCount
from .registry import collector_register


def counts_by(queryset: QuerySet[Model], *fields: str) -> dict[tuple[str, ...], int]:
    """Rows per value of `fields`: one GROUP BY query."""
    rows = queryset.order_by().values_list(*fields).annotate(n=Count("pk"))
    return {tuple(str(v) for v in row[:-1]): int(row[-1]) for row in rows}


def gauge(
    name: str,
    documentation: str,
    labels: list[str],
    counts: Mapping[tuple[str, ...], int],
    known: Iterable[tuple[str, ...]],
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for key in sorted({*known, *counts}):
        family.add_metric(list(key), counts.get(key, 0))
    return family


class TaskCollector:
    """Celery tasks by name and outcome, as the workers counted them (celery_signals.py)."""

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "childprotect_celery_tasks", "Celery tasks run, by task name and outcome", labels=["task", "outcome"]
        )
        rows = TaskCount.objects.order_by("task", "outcome").values_list("task", "outcome", "count")
        for task, outcome, count in rows:
            family.add_metric([task, outcome], count)
        yield family


class MessagesCollector:
    """The bell's notifications by kind, and the outbox's e-mails, SMS and Zalo messages by channel and status."""

    def collect(self) -> Iterator[Metric]:
        yield gauge(
            "childprotect_notifications",
            "In-app notifications in the table, by kind",
            ["kind"],
            counts_by(Notification.objects.all(), "kind"),
            [(k,) for k in AlertKind.values],
        )
        yield gauge(
            "childprotect_deliveries",
            "Outbox messages (e-mail, SMS, Zalo) in the table, by channel and status",
            ["channel", "status"],
            counts_by(Delivery.objects.all(), "channel", "status"),
            [(c, s) for c in Channel.values for s in DeliveryStatus.values],
        )


class JobsCollector:
    """Import and export jobs by status."""

    def collect(self) -> Iterator[Metric]:
        yield gauge(
            "childprotect_import_jobs",
            "Import jobs by status",
            ["status"],
            counts_by(ImportJob.objects.all(), "status"),
            [(s,) for s in ImportStatus.values],
        )
        yield gauge(
            "childprotect_export_jobs",
            "Export jobs by status",
            ["status"],
            counts_by(ExportJob.objects.all(), "status"),
            [(s,) for s in ExportStatus.values],
        )


def register_shared() -> None:
    for collector in (TaskCollector(), MessagesCollector(), JobsCollector()):
        collector_register(collector)
