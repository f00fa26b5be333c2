from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API for other systems and the product's own clients (docs/api.md): the floor over home, under devtools."""

    name = "api"
    verbose_name = "Kết nối hệ thống (API)"

    def ready(self) -> None:
        """The token and the session in the OpenAPI schema; the webhook events of the changes of a report a client
        sent (api/events.py), written in their transaction: a case opened (the CaseStep "open") and every step the
        workflow engine takes."""
        from django.db.models.signals import post_save

        from cases.models import CaseStep
        from childprotect.workflow import step_taken

        from . import schema  # noqa: F401
        from .events import on_case_opened, on_step_taken

        post_save.connect(on_case_opened, sender=CaseStep, dispatch_uid="api.webhook_case_opened")
        step_taken.connect(on_step_taken, dispatch_uid="api.webhook_step_taken")
