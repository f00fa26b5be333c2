from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Children, reports (intake), cases and the statutory workflow of NĐ 56/2017."""

    name = "cases"
    verbose_name = "Trẻ em và vụ việc"
