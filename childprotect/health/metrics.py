"""What the health machinery adds to /metrics (docs/architecture.md#metrics): how long ago each heartbeat was seen, and
the open alarms by kind, counted at each scrape in two queries. Prometheus alerts on them even when nobody opens a
home page: `childprotect_heartbeat_age_seconds{kind="scan"} > 900`, `childprotect_alarms_open > 0`."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from childprotect.metrics.collectors import counts_by, gauge

from .models import Alarm, AlarmKind
from .selectors import heartbeat_ages


class HealthCollector:
    def collect(self) -> Iterator[Metric]:
        ages = GaugeMetricFamily(
            "childprotect_heartbeat_age_seconds",
            "Seconds since each component's last heartbeat (beat, workers, the deadline scan, queue samples)",
            labels=["kind", "component"],
        )
        for (kind, name), seconds in sorted(heartbeat_ages().items()):
            ages.add_metric([kind, name], max(seconds, 0.0))
        yield ages
        yield gauge(
            "childprotect_alarms_open",
            "Open alarms of the background machinery, by kind",
            ["kind"],
            counts_by(Alarm.objects.filter(closed_at__isnull=True), "kind"),
            [(k,) for k in AlarmKind.values],
        )
