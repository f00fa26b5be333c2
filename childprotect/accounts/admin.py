from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.http import HttpRequest

from childprotect.audit.admin import AuditedModelAdmin
from referrals.services import partner_access_sync

from .models import User
from .services import account_validate


class RoleRulesMixin(forms.ModelForm):
    """The admin forms apply the same rules as createaccount: which unit a role is anchored to, who has an agency."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "role" in cleaned:
            try:
                account_validate(cleaned["role"], cleaned.get("unit"), cleaned.get("agency"))
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return cleaned


class AccountChangeForm(RoleRulesMixin, UserChangeForm):
    class Meta:
        model = User
        fields = (
            *("username", "password", "first_name", "last_name", "email", "is_active", "is_staff"),
            *("is_superuser", "groups", "user_permissions", "last_login", "date_joined"),
            *("full_name", "role", "unit", "agency", "phone"),
        )
        field_classes = {"username": UsernameField}


class AccountCreationForm(RoleRulesMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username",)


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "full_name", "role", "unit", "agency", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    raw_id_fields = ["unit", "agency"]
    list_select_related = ["unit", "agency"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A partner moved, added or deactivated here gains or loses the cases its agency's referrals share.
        partner_access_sync(actor=request.user, user=obj)

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Vai trò và địa bàn", {"fields": ("full_name", "role", "unit", "agency", "phone")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        ("Vai trò và địa bàn", {"fields": ("full_name", "role", "unit", "agency")}),
    )
    audit_masked_fields = ("password",)
