"""One form per step of the intake workflow (cases/intake_workflow.py), named by its row. The handlers re-check what
protects the data (cases/intake_handlers.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .casework_forms import TEXTAREA, ActionForm
from .fields import UnitField


class ForwardForm(ActionForm):
    """The commune where the incident happened, and why the report goes there."""

    to_unit = UnitField(
        label=_("Chuyển đến xã, phường nơi xảy ra vụ việc"), help_text=_("Mã (ví dụ 14758) hoặc tên đầy đủ")
    )
    reason = forms.CharField(
        label=_("Lý do chuyển"),
        widget=TEXTAREA,
        max_length=1000,
        help_text=_("Ví dụ: sự việc xảy ra tại phường Hàm Rồng, không thuộc địa bàn tiếp nhận"),
    )
