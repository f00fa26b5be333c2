"""The forms of the administrators' page (docs/alerts.md#the-administrators-page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from childprotect.forms import StyledForm

from .models import PHONE_CHANNELS, Channel, DeliveryStatus
from .phones import phone_normalise

ALL = [("", gettext_lazy("Tất cả"))]


class TestSendForm(StyledForm):
    """A test message by one configured channel: to an e-mail address, or to a Vietnamese mobile number (0912 345 678
    or +84…, kept as +84912345678)."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Kênh"),
        choices=(),
        error_messages={"invalid_choice": gettext_lazy("Kênh này chưa được cấu hình, không gửi thử được.")},
    )
    address = forms.CharField(
        label=gettext_lazy("Gửi đến"),
        max_length=254,
        help_text=gettext_lazy("Địa chỉ thư điện tử, hoặc số di động Việt Nam (0912 345 678 hay +84 912 345 678)."),
    )

    def __init__(self, *args: Any, channels: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channels  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel, address = data.get("channel"), (data.get("address") or "").strip()
        if not channel or not address:
            return data
        if channel in PHONE_CHANNELS:
            try:
                data["address"] = phone_normalise(address)
            except ValidationError as exc:
                self.add_error("address", exc)
        else:
            try:
                validate_email(address)
            except ValidationError:
                self.add_error("address", _("Địa chỉ thư điện tử không hợp lệ (ví dụ: canbo@thanhhoa.gov.vn)."))
            else:
                data["address"] = address
        return data


class DeliveryFilter(StyledForm):
    channel = forms.ChoiceField(label=gettext_lazy("Kênh"), choices=ALL + Channel.choices, required=False)
    status = forms.ChoiceField(label=gettext_lazy("Trạng thái"), choices=ALL + DeliveryStatus.choices, required=False)
