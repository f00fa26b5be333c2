from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The role home pages and their dashboards: the floor above every app (no models)."""

    name = "home"
    verbose_name = "Trang chủ"
