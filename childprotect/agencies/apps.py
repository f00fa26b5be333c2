from __future__ import annotations

from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "childprotect.agencies"
    label = "agencies"
    verbose_name = "Cơ quan phối hợp"

    def ready(self) -> None:
        from childprotect.core.imports import register

        from .imports import AgencyImporter

        register(AgencyImporter())
