"""Administrators extend the vocabularies here. Children and reports are deliberately not in Django admin: every read of
them must go through the selectors (jurisdiction) and be recorded (NĐ 56 Đ33), which the admin would bypass."""

from __future__ import annotations

from django.contrib import admin

from childprotect.audit.admin import AuditedModelAdmin

from .models import Term


@admin.register(Term)
class TermAdmin(AuditedModelAdmin[Term]):
    list_display = ["label", "kind", "code", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["label", "code"]
