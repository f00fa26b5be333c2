from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "childprotect.audit"
    label = "audit"
    verbose_name = "Nhật ký truy cập và thay đổi"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (login, logout and failed-login events)
