"""Vietnamese mobile numbers: what a person types (0912 345 678, +84 912.345.678, 84912345678) in the one form SMS
and Zalo use, E.164 (+84912345678); and addresses masked for the administrators' page."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s.\-()]")
# Vietnam's mobile numbers since the 2018 change to ten digits: 03x, 05x, 07x, 08x, 09x (national form, with the 0).
_MOBILE = re.compile(r"^0(?:3[2-9]|5[2689]|7[06-9]|8[1-9]|9\d)\d{7}$")


def phone_normalise(raw: str) -> str:
    """A Vietnamese mobile number in E.164 (+84912345678), from how people write it: 0912345678, 091 234 5678,
    +84 912 345 678, 84912345678, 0084912345678. Anything else is refused (ValidationError) with why: a landline,
    an old eleven-digit number, a number of another country, or not a number."""
    text = _SEPARATORS.sub("", raw or "")
    if not text:
        raise ValidationError(_("Hãy nhập số điện thoại di động."), code="empty")
    if text.startswith("+"):
        if not text.startswith("+84"):
            raise ValidationError(
                _("Chỉ nhận số điện thoại di động Việt Nam (+84 hoặc bắt đầu bằng 0)."), code="foreign"
            )
        text = "0" + text[3:].removeprefix("0")
    elif text.startswith("0084"):
        text = "0" + text[4:].removeprefix("0")
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    if not text.isdigit():
        raise ValidationError(
            _("Số điện thoại chỉ gồm chữ số (có thể có dấu cách, dấu chấm, dấu gạch ngang hoặc +84 ở đầu)."),
            code="not_digits",
        )
    if text.startswith("02"):
        raise ValidationError(
            _("Đây là số điện thoại cố định: tin nhắn SMS và Zalo cần một số điện thoại di động."), code="landline"
        )
    if text.startswith("01") and len(text) == 11:
        raise ValidationError(
            _("Số di động 11 chữ số đã được đổi sang 10 chữ số từ năm 2018: hãy nhập số mới của bạn."), code="old"
        )
    if len(text) != 10 or not _MOBILE.match(text):
        raise ValidationError(
            _(
                "Số điện thoại di động không hợp lệ: số di động Việt Nam có 10 chữ số và bắt đầu bằng 03, 05, 07, 08 "
                "hoặc 09 (ví dụ 0912 345 678)."
            ),
            code="invalid",
        )
    return "+84" + text[1:]


def mask_address(address: str) -> str:
    """An address with most of it hidden: c***@example.vn, +8491****678. Enough to tell two apart, not to write to."""
    if "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) > 8:
        return address[:5] + "*" * (len(address) - 8) + address[-3:]
    return "*" * max(0, len(address) - 2) + address[-2:]
