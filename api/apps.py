from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API for other systems and the product's own clients (docs/api.md): the floor over home, under devtools."""

    name = "api"
    verbose_name = "Kết nối hệ thống (API)"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (the token and the session in the OpenAPI schema)
