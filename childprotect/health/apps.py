from __future__ import annotations

from django.apps import AppConfig


class HealthConfig(AppConfig):
    """The system's own health: /healthz and /readyz for load balancers and orchestrators, the heartbeats of beat, the
    workers and the deadline scan, the broker's queue lengths, and the alarms raised to administrators
    (docs/architecture.md#health-heartbeats-and-alarms)."""

    name = "childprotect.health"
    label = "health"
    verbose_name = "Tình trạng hệ thống"

    def ready(self) -> None:
        from childprotect.metrics.registry import collector_register

        from .metrics import HealthCollector

        collector_register(HealthCollector())
