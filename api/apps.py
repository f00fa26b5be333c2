from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API for other systems and the product's own clients (docs/api.md): the top floor, over home."""

    name = "api"
    verbose_name = "Kết nối hệ thống (API)"

    def ready(self) -> None:
        # The demo world's client (`manage.py loaddemo`): devtools is a floor below and cannot name this app.
        from devtools.demo import demo_extra_register

        from . import schema  # noqa: F401  (the token and the session in the OpenAPI schema)
        from .demo import demo_client_load

        demo_extra_register(demo_client_load)
