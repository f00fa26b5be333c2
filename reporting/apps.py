from __future__ import annotations

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Periods, indicators, periodic reports, PDF and spreadsheet output."""

    name = "reporting"
    verbose_name = "Báo cáo định kỳ"

    def ready(self) -> None:
        # The words of its steps for the audit log; entries written before the rename carry report.<step>.
        from childprotect.audit.actions import OLD_PERIODIC_REPORT_STEP, periodic_report_step, steps_register

        from .signing import register_documents
        from .workflow import TRANSITIONS

        steps_register(
            {periodic_report_step(s.action): f"{s.label} (báo cáo định kỳ)" for s in TRANSITIONS},
            aliases={OLD_PERIODIC_REPORT_STEP + s.action: periodic_report_step(s.action) for s in TRANSITIONS},
        )
        register_documents()  # the report's official PDF can be signed digitally (childprotect/signing)
        # What SMS and Zalo may say is due: the report's steps (docs/alerts.md#what-leaves).
        from childprotect.alerts.messages import register_safe_phrases

        register_safe_phrases(str(s.label) for s in TRANSITIONS)
