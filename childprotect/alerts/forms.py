"""The forms of the alert settings page: the channels per kind, quiet hours, the phone number and its code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from childprotect.forms import StyledForm

from .models import AlertKind, Channel
from .phones import phone_normalise
from .settings_services import quiet_hours_check


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


class PreferencesForm(StyledForm):
    """One checkbox per kind and channel, ticked as the person's channels are now; a channel that is not configured
    is shown disabled (Django then keeps its initial value whatever is posted)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, current: dict[str, set[str]], enabled: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in AlertKind:
            for channel in Channel:
                name = field_name(kind.value, channel.value)
                self.fields[name] = forms.BooleanField(
                    label=f"{kind.label}: {channel.label}",
                    required=False,
                    initial=channel.value in current.get(kind.value, set()),
                    disabled=channel.value not in enabled,
                )
                self.fields[name].widget.attrs["class"] = "form-check-input"

    def chosen(self) -> dict[str, set[str]]:
        data = self.cleaned_data
        return {
            kind: {channel for channel in Channel.values if data.get(field_name(kind, channel))}
            for kind in AlertKind.values
        }


TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
BAD_TIME = {"invalid": _("Giờ không hợp lệ: hãy nhập giờ và phút, ví dụ 22:00.")}


class QuietHoursForm(StyledForm):
    quiet_start = forms.TimeField(
        label=_("Từ"),
        required=False,
        input_formats=TIME_FORMATS,
        error_messages=BAD_TIME,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=_("Đến"),
        required=False,
        input_formats=TIME_FORMATS,
        error_messages=BAD_TIME,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.time | None = data.get("quiet_start")
        end: dt.time | None = data.get("quiet_end")
        if "quiet_start" in self.errors or "quiet_end" in self.errors:
            return data
        try:
            quiet_hours_check(start, end)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


class PhoneForm(StyledForm):
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "0912 345 678"}),
        help_text=_("Để trống rồi lưu để xoá số điện thoại."),
    )

    def clean_phone(self) -> str:
        raw: str = self.cleaned_data.get("phone", "")
        return phone_normalise(raw) if raw.strip() else ""


class CodeForm(StyledForm):
    code = forms.CharField(
        label=_("Mã xác minh"),
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data.get("code", "").split())
        if len(code) != 6 or not code.isdigit():
            raise ValidationError(_("Mã xác minh gồm 6 chữ số, như trong tin nhắn bạn nhận được."))
        return code
