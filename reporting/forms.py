from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from childprotect.forms import StyledForm

from .periods import PeriodKind

TEXTAREA = forms.Textarea(attrs={"rows": 5})


class NewReportForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=PeriodKind.choices)
    year = forms.IntegerField(label=_("Năm"), min_value=2020, max_value=2100)


class StepForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def record(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class TextForm(StepForm):
    number = forms.CharField(label=_("Số văn bản (Số: .../BC-UBND)"), max_length=40, required=False)
    results = forms.CharField(label=_("Kết quả đạt được"), widget=TEXTAREA, required=False)
    difficulties = forms.CharField(label=_("Khó khăn, vướng mắc"), widget=TEXTAREA, required=False)
    proposals = forms.CharField(label=_("Kiến nghị, đề xuất"), widget=TEXTAREA, required=False)


class SubmitForm(TextForm):
    """Sign and send; for a district or province, who signs (`signers`: reporting.signers.signer_choices; none for
    a commune, whose sender signs)."""

    signer = forms.ChoiceField(
        label=_("Người ký"),
        required=False,
        help_text=_("Lãnh đạo cơ quan ký báo cáo: cấp trưởng, hoặc cấp phó ký thay (KT.)."),
    )

    def __init__(self, *args: Any, signers: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if signers is None:
            del self.fields["signer"]
        else:
            self.fields["signer"].choices = signers  # type: ignore[attr-defined]  # the ChoiceField above


class NoteForm(StepForm):
    note = forms.CharField(label=_("Nội dung cần sửa"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(StepForm):
    note = forms.CharField(label=_("Lý do mở lại báo cáo"), widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(StepForm):
    pass
