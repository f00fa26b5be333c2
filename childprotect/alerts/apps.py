from __future__ import annotations

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Alerts beyond the bell: each notification's messages by e-mail, SMS and Zalo (the outbox), the users' choices
    of channels per kind of alert, quiet hours and verified phone numbers (docs/alerts.md)."""

    name = "childprotect.alerts"
    label = "alerts"
    verbose_name = "Kênh thông báo"

    def ready(self) -> None:
        from django.core import checks

        from .channels.sms import check_sms_settings

        checks.register(check_sms_settings)
