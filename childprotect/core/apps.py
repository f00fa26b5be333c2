from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app builds on: notifications, the import framework, one-time form tokens, the error pages."""

    name = "childprotect.core"
    label = "core"
    verbose_name = "Chung"
