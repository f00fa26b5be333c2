from __future__ import annotations

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Development and measurement commands (demo data, the launcher, synthetic data, benchmarks): above every app,
    no models."""

    name = "devtools"
    verbose_name = "Công cụ phát triển"
