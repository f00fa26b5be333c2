"""Form fields the cases app's forms share (no import of its services: the workflow tables' forms use them too)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.text import fold


class UnitField(forms.CharField):
    """A commune given by code (14797, or 2026:14797 for another list) or by its exact name, accents optional.

    `any_level` finds a unit of any level by its code, for a step whose service refuses what is not a commune with its
    own reason (a transfer to a district, a province); by name, only communes are looked for.
    """

    default_error_messages = {"required": _("Cần chọn xã, phường.")}

    def __init__(self, *args: Any, any_level: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.any_level = any_level

    def to_python(self, value: Any) -> AdminUnit | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        list_version = settings.CHILDPROTECT_CURRENT_UNIT_LIST
        if ":" in text:
            list_part, _sep, text = text.partition(":")
            if not list_part.strip().isdigit():
                raise forms.ValidationError(_("'%(value)s' không phải mã đơn vị hợp lệ.") % {"value": value})
            list_version = int(list_part)
        text = text.strip()
        units = AdminUnit.objects.filter(list_version=list_version).select_related("parent")
        communes = units.filter(level=UnitLevel.COMMUNE)
        if text.isdigit():
            unit = (units if self.any_level else communes).filter(code=text).first()
            if unit is None:
                missing = _("Không có đơn vị mã %(code)s trong danh mục %(list)s.")
                if not self.any_level:
                    missing = _("Không có xã, phường mã %(code)s trong danh mục %(list)s.")
                raise forms.ValidationError(missing % {"code": text, "list": list_version})
            return unit
        matches = list(communes.filter(name_folded=fold(text))[:2])
        if not matches:
            raise forms.ValidationError(
                _("Không có xã, phường tên '%(name)s'; hãy nhập mã (ví dụ 14797).") % {"name": text}
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Có nhiều xã, phường tên '%(name)s'; hãy nhập mã (ví dụ 14797).") % {"name": text}
            )
        return matches[0]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, AdminUnit):
            return value.code
        if isinstance(value, int):
            unit = AdminUnit.objects.filter(pk=value).first()
            return unit.code if unit else value
        return value
