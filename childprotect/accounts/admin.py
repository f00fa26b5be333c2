from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from childprotect.audit.admin import AuditedModelAdmin

from .models import User


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "unit", "agency", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    raw_id_fields = ["unit", "agency"]
    list_select_related = ["unit", "agency"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Vai trò và địa bàn", {"fields": ("full_name", "role", "unit", "agency", "phone")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        ("Vai trò và địa bàn", {"fields": ("full_name", "role", "unit", "agency")}),
    )
    audit_masked_fields = ("password",)
