from __future__ import annotations

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    """The Prometheus endpoint and what it exports (docs/architecture.md#metrics)."""

    name = "childprotect.metrics"
    label = "metrics"
    verbose_name = "Số đo vận hành"

    def ready(self) -> None:
        from django.core import checks

        from .celery_signals import connect
        from .checks import check_metrics_settings
        from .collectors import register_shared

        connect()  # the task counters, in every process that runs tasks (workers, and the web when eager)
        register_shared()  # notifications, deliveries, import and export jobs, the task counters
        checks.register(check_metrics_settings)
