from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from childprotect.audit.admin import AuditedModelAdmin

from .models import AdminUnit
from .selectors import units_matching


@admin.register(AdminUnit)
class AdminUnitAdmin(AuditedModelAdmin[AdminUnit]):
    list_display = ["name", "code", "list_version", "unit_type", "level", "parent"]
    list_filter = ["list_version", "level", "unit_type"]
    search_fields = ["name_folded", "code"]
    list_select_related = ["parent"]
    readonly_fields = ["path", "name_folded"]
    raw_id_fields = ["parent"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AdminUnit], search_term: str
    ) -> tuple[QuerySet[AdminUnit], bool]:
        # The same accent-free search as the rest of the product, across every list.
        if not search_term:
            return queryset, False
        return units_matching(queryset, search_term), False
