from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.http import HttpRequest

from childprotect.audit.admin import AuditedModelAdmin

from .models import User
from .selectors import account_manageable_by
from .services import NOT_MANAGEABLE, account_validate
from .signals import account_changed


class RoleRulesMixin(forms.ModelForm[User]):
    """The admin forms apply the same rules as createaccount: which unit a role is anchored to, who has an agency;
    and the account as the form would make it must be one the person saving it may manage (account_manageable_by)."""

    actor: User | None = None  # the signed-in person, set by UserAdmin.get_form

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "role" in cleaned:
            try:
                position = cleaned.get("position", self.instance.position) or ""
                account_validate(cleaned["role"], cleaned.get("unit"), cleaned.get("agency"), position)
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        if self.actor is not None:
            current = self.instance
            becomes = User(
                pk=current.pk,
                role=cleaned.get("role", current.role),
                unit=cleaned.get("unit", current.unit),
                agency=cleaned.get("agency", current.agency),
                is_staff=cleaned.get("is_staff", current.is_staff),
                is_superuser=cleaned.get("is_superuser", current.is_superuser),
            )
            if not account_manageable_by(self.actor, becomes):
                username = cleaned.get("username", current.username)
                raise forms.ValidationError(str(NOT_MANAGEABLE % {"username": username}))
        return cleaned


class AccountChangeForm(RoleRulesMixin, UserChangeForm[User]):
    class Meta:
        model = User
        fields = (
            *("username", "password", "first_name", "last_name", "email", "is_active", "is_staff"),
            *("is_superuser", "groups", "user_permissions", "last_login", "date_joined"),
            *("full_name", "role", "position", "unit", "agency", "phone"),
        )
        field_classes = {"username": UsernameField}


class AccountCreationForm(RoleRulesMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username",)


@admin.register(User)
class UserAdmin(AuditedModelAdmin[User], DjangoUserAdmin[User]):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "full_name", "role", "position", "unit", "agency", "is_active", "last_login"]
    list_filter = ["role", "position", "is_active"]
    search_fields = ["username", "full_name", "email"]
    raw_id_fields = ["unit", "agency"]
    list_select_related = ["unit", "agency"]

    # Who may open, change, delete or reset the password of an account here: the one rule of every path.
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) and (obj is None or account_manageable_by(request.user, obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or account_manageable_by(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or account_manageable_by(request.user, obj))

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]  # a class made for this request by modelform_factory
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A partner moved, added or deactivated here gains or loses the cases its agency's referrals share.
        account_changed.send(sender=User, actor=request.user, user=obj)

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Vai trò và địa bàn", {"fields": ("full_name", "role", "position", "unit", "agency", "phone")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        ("Vai trò và địa bàn", {"fields": ("full_name", "role", "position", "unit", "agency")}),
    )
    audit_masked_fields = ("password",)
