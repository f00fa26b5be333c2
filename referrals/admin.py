"""Administrators keep the response deadlines of referrals and the outcome lists here (the agencies themselves:
childprotect/agencies/admin.py). Referrals themselves are not in Django admin: they carry the child's case and are
read and moved only through the referral views and services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest

from childprotect.agencies.models import AgencyType
from childprotect.audit.admin import AuditedModelAdmin
from childprotect.places.models import AdminUnit, UnitLevel

from .models import OutcomeOption, Referral, ResponseRule

# --- response rules -------------------------------------------------------------------------------------------------


class ProvinceChoiceField(forms.ModelChoiceField[AdminUnit]):
    """A province of the unit list; any other unit is refused with a message that says why."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and str(value).isdigit():
            unit = AdminUnit.objects.filter(pk=value).first()
            if unit is not None and unit.level != UnitLevel.PROVINCE:
                raise ValidationError(
                    f"{unit.name} ({unit.key}) là đơn vị cấp {unit.get_level_display().lower()}, không phải tỉnh, "
                    "thành phố. Thời hạn phản hồi đặt cho cả một tỉnh, thành phố; để trống để đặt mặc định toàn quốc.",
                    code="not_province",
                )
        return super().to_python(value)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.key})"


class ResponseRuleForm(forms.ModelForm[ResponseRule]):
    class Meta:
        model = ResponseRule
        fields = ["agency_type", "province", "urgent_hours", "normal_working_days"]
        field_classes = {"province": ProvinceChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(ProvinceChoiceField, self.fields["province"])
        shown = Q(list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST)
        if self.instance.province_id:
            shown |= Q(pk=self.instance.province_id)  # a rule set under an older list stays editable
        field.queryset = AdminUnit.objects.filter(level=UnitLevel.PROVINCE).filter(shown).order_by("name_folded")
        field.error_messages["invalid_choice"] = "Chọn một tỉnh, thành phố của danh mục đơn vị hành chính hiện hành."
        field.empty_label = "— mặc định toàn quốc —"

    def clean_urgent_hours(self) -> int | None:
        value = self.cleaned_data.get("urgent_hours")
        if value is not None and value < 1:
            raise ValidationError("Thời hạn khẩn cấp phải từ 1 giờ trở lên.")
        return value

    def clean_normal_working_days(self) -> int | None:
        value = self.cleaned_data.get("normal_working_days")
        if value is not None and value < 1:
            raise ValidationError("Thời hạn thông thường phải từ 1 ngày làm việc trở lên.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        agency_type, province = cleaned.get("agency_type"), cleaned.get("province")
        if agency_type and "province" not in self.errors:
            clash = ResponseRule.objects.filter(agency_type=agency_type, province=province).exclude(pk=self.instance.pk)
            if clash.exists():
                where = province.name if province else "mặc định toàn quốc"
                self.add_error(
                    "province",
                    f"Đã có thời hạn phản hồi cho {AgencyType(agency_type).label} ({where}); sửa thời hạn đó "
                    "thay vì thêm mới.",
                )
        return cleaned


@admin.register(ResponseRule)
class ResponseRuleAdmin(AuditedModelAdmin[ResponseRule]):
    form = ResponseRuleForm
    list_display = ["agency_type", "province_name", "urgent_hours", "normal_working_days"]
    list_filter = ["agency_type"]
    list_select_related = ["province"]

    @admin.display(description="tỉnh, thành phố", ordering="province__name_folded")
    def province_name(self, obj: ResponseRule) -> str:
        return obj.province.name if obj.province else "mặc định toàn quốc"


# --- outcome lists --------------------------------------------------------------------------------------------------


@admin.register(OutcomeOption)
class OutcomeOptionAdmin(AuditedModelAdmin[OutcomeOption]):
    list_display = ["label", "agency_type", "code", "needs_reference", "sort_order", "is_active"]
    list_display_links = ["label"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["agency_type", "is_active", "needs_reference"]
    search_fields = ["label", "code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An outcome already recorded on referrals keeps its type and code; retire it (is_active) instead.
        if obj is not None and Referral.objects.filter(outcome=obj).exists():
            return ["agency_type", "code"]
        return super().get_readonly_fields(request, obj)
