from __future__ import annotations

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Periods, indicators, periodic reports, PDF and spreadsheet output."""

    name = "reporting"
    verbose_name = "Báo cáo định kỳ"
