from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Children, reports (intake), cases and the statutory workflow of NĐ 56/2017."""

    name = "cases"
    verbose_name = "Trẻ em và vụ việc"

    def ready(self) -> None:
        # What the shared floor offers and this app fills in: the registry importer, the lists' exports (the XLSX
        # task finds them by name), the words of its steps.
        from childprotect.audit.actions import case_step, steps_register
        from childprotect.core.imports import register
        from childprotect.exports import export_register

        from .imports import ChildImporter
        from .resources import CASES, CHILDREN, REPORTS
        from .signing import register_documents
        from .workflow import TRANSITIONS

        register(ChildImporter())
        for export in (REPORTS, CHILDREN, CASES):
            export_register(export)
        steps_register({case_step(t.action): t.label for t in TRANSITIONS})
        register_documents()  # the decisions the chair signs digitally (childprotect/signing)
        # What SMS and Zalo may say is due: the deadlines' kinds, the steps' names (docs/alerts.md#what-leaves).
        from childprotect.alerts.messages import register_safe_phrases

        from .alerts import safe_phrases

        register_safe_phrases(safe_phrases())
        # Its deadlines and reminders on /metrics, counted at each scrape.
        from childprotect.metrics.registry import collector_register

        from .metrics import DeadlineCollector

        collector_register(DeadlineCollector())
