from __future__ import annotations

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Cơ quan phối hợp và chuyển tuyến"

    def ready(self) -> None:
        # What the shared floor offers and this app fills in: the agency importer, the words of its steps.
        from childprotect.audit.actions import referral_step, steps_register
        from childprotect.core.imports import register

        from .imports import AgencyImporter
        from .workflow import TRANSITIONS

        register(AgencyImporter())
        steps_register({referral_step(s.action): s.label for s in TRANSITIONS})
