from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from childprotect.audit.admin import AuditedModelAdmin

from .checks import compare_with_package
from .models import Holiday


@admin.register(Holiday)
class HolidayAdmin(AuditedModelAdmin[Holiday]):
    list_display = ["date", "name", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # The same comparison as `manage.py checkholidays`, for last, this and next year: what to confirm.
        year = timezone.localdate().year
        years = [year - 1, year, year + 1]
        extra_context = {
            **(extra_context or {}),
            "check_years": years,
            "mismatches": compare_with_package(years),
        }
        return super().changelist_view(request, extra_context)
