from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API for other systems and the product's own clients (docs/api.md): the top floor, over home."""

    name = "api"
    verbose_name = "Kết nối hệ thống (API)"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the schema's description of the ways in)
