from __future__ import annotations

from django.contrib import admin

from childprotect.audit.admin import AuditedModelAdmin

from .models import Holiday


@admin.register(Holiday)
class HolidayAdmin(AuditedModelAdmin):
    list_display = ["date", "name", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
