from __future__ import annotations

from django.contrib import admin

from childprotect.audit.admin import AuditedModelAdmin

from .models import Agency


@admin.register(Agency)
class AgencyAdmin(AuditedModelAdmin):
    list_display = ["name", "agency_type", "unit", "phone", "is_active"]
    list_filter = ["agency_type", "is_active"]
    search_fields = ["name", "name_folded"]
    raw_id_fields = ["unit"]
