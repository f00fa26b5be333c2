"""The forms of the pages that manage API clients and tokens (api/client_views.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from cases.fields import UnitField
from childprotect.forms import StyledForm
from childprotect.places.models import AdminUnit

from .models import ClientKind

DEFAULT_DAYS = 90  # what the token form proposes (at most CHILDPROTECT_API_TOKEN_MAX_DAYS)


class ScopeField(UnitField):
    """A province, district or commune of the current list by its code (a commune also by its name); empty: the
    whole country. A code of another list is refused here, before it is looked for."""

    def to_python(self, value: Any) -> AdminUnit | None:  # type: ignore[override]
        list_part, colon, _code = str(value or "").strip().partition(":")
        if colon and list_part.strip() != str(settings.CHILDPROTECT_CURRENT_UNIT_LIST):
            raise forms.ValidationError(
                _("Phạm vi phải là một đơn vị của danh mục hiện hành (%(list)s).")
                % {"list": settings.CHILDPROTECT_CURRENT_UNIT_LIST}
            )
        return super().to_python(value)


class ClientForm(StyledForm):
    name = forms.CharField(label=_("Tên hệ thống đối tác"), max_length=150)
    kind = forms.ChoiceField(label=_("Loại"), choices=ClientKind.choices)
    scope = ScopeField(
        label=_("Phạm vi"),
        any_level=True,
        required=False,
        help_text=_(
            "Mã tỉnh, thành phố, huyện hoặc xã, phường của danh mục hiện hành (ví dụ 38 hoặc 14797); "
            "để trống: toàn quốc."
        ),
    )
    contact = forms.CharField(label=_("Đầu mối liên hệ"), max_length=255, required=False)
    rate_limit = forms.IntegerField(label=_("Giới hạn yêu cầu mỗi phút"), min_value=1, max_value=100_000, initial=120)
    webhook_url = forms.URLField(
        label=_("Địa chỉ nhận thông báo (webhook)"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Để trống nếu hệ thống này không nhận thông báo. Khoá ký được tạo khi đặt địa chỉ lần đầu."),
    )

    def values(self) -> dict[str, Any]:
        """The cleaned input as the services take it."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "scope": data["scope"],
            "contact": data["contact"],
            "rate_limit": data["rate_limit"],
            "webhook_url": data["webhook_url"],
        }


class ClientEditForm(ClientForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class TokenForm(StyledForm):
    label = forms.CharField(
        label=_("Tên gợi nhớ"),
        max_length=100,
        required=False,
        help_text=_("Ví dụ: máy chủ tiếp nhận, môi trường thử nghiệm."),
    )
    days = forms.IntegerField(label=_("Thời hạn (ngày)"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        longest = settings.CHILDPROTECT_API_TOKEN_MAX_DAYS
        days = self.fields["days"]
        days.initial = min(DEFAULT_DAYS, longest)
        days.validators.append(MaxValueValidator(longest))
        days.widget.attrs["max"] = str(longest)
        days.help_text = _("Từ 1 đến %(n)s ngày.") % {"n": longest}
