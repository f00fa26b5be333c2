from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Home pages, the base layout, demo data and the development launcher."""

    name = "childprotect.core"
    label = "core"
    verbose_name = "Chung"
