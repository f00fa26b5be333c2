"""The referral's forms: the commune's draft, and one small form per step of referrals/workflow.py (by its row)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case as When_
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from childprotect.agencies.models import Agency, AgencyType
from childprotect.forms import StyledForm

from . import selectors
from .handlers import ReferralData, agencies_for_case
from .models import Consent, OutcomeOption, Referral, ReferralStatus, Urgency

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class AgencyChoiceField(forms.ModelChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({AgencyType(obj.agency_type).label}, {obj.unit.name})"


def agency_choices(case: Case) -> QuerySet[Agency]:
    """The case's own commune first, then the rest of the province; by type, then name."""
    return (
        agencies_for_case(case)
        .annotate(here=When_(When(unit_id=case.unit_id, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("here", "agency_type", "name")
    )


class ReferralForm(StyledForm):
    agency = AgencyChoiceField(label=_("Cơ quan nhận"), queryset=Agency.objects.none(), empty_label="—")
    urgency = forms.ChoiceField(
        label=_("Mức độ"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    services_requested = forms.CharField(
        label=_("Dịch vụ, hỗ trợ đề nghị"),
        widget=TEXTAREA,
        help_text=_("Ví dụ: khám, giám định pháp y; điều tra, xác minh; trợ giúp pháp lý; tiếp nhận tạm thời."),
    )
    message = forms.CharField(
        label=_("Thông tin cơ quan cần để thực hiện"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Chỉ ghi những gì cơ quan cần biết. Thông tin người báo tin không bao giờ được chuyển."),
    )
    child_consent = forms.ChoiceField(
        label=_("Ý kiến của trẻ (từ đủ 7 tuổi)"), choices=Consent.choices, widget=forms.RadioSelect
    )
    carer_consent = forms.ChoiceField(
        label=_("Ý kiến của cha mẹ, người chăm sóc"), choices=Consent.choices, widget=forms.RadioSelect
    )
    consent_note = forms.CharField(label=_("Ghi chú về sự đồng ý"), max_length=255, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agency_choices(case)  # type: ignore[attr-defined]

    def data_object(self) -> ReferralData:
        d = self.cleaned_data
        return ReferralData(
            agency=d["agency"],
            urgency=d["urgency"],
            services_requested=d["services_requested"],
            message=d["message"],
            child_consent=d["child_consent"],
            carer_consent=d["carer_consent"],
            consent_note=d["consent_note"],
        )

    @staticmethod
    def initial_from(referral: Referral) -> dict[str, Any]:
        return {
            "agency": referral.agency_id,
            "urgency": referral.urgency,
            "services_requested": referral.services_requested,
            "message": referral.message,
            "child_consent": referral.child_consent,
            "carer_consent": referral.carer_consent,
            "consent_note": referral.consent_note,
            "version": referral.version,
        }


class StepForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral

    def record(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class EditForm(StepForm, ReferralForm):
    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, case=referral.case, **kwargs)


class OptionalNoteForm(StepForm):
    note = forms.CharField(label=_("Ghi chú"), widget=TEXTAREA, required=False)


class NoteForm(StepForm):
    note = forms.CharField(label=_("Việc đã làm"), widget=TEXTAREA)


class ReasonForm(StepForm):
    reason = forms.CharField(label=_("Lý do"), widget=TEXTAREA)


class CompleteForm(StepForm):
    outcome = forms.ModelChoiceField(label=_("Kết quả"), queryset=OutcomeOption.objects.none(), empty_label="—")
    outcome_reference = forms.CharField(
        label=_("Số quyết định, số văn bản (nếu có)"),
        max_length=100,
        required=False,
        help_text=_("Bắt buộc với khởi tố, xử phạt hành chính, giám định pháp y và các kết quả cần văn bản."),
    )
    actions_taken = forms.CharField(label=_("Những việc đã làm"), widget=TEXTAREA)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        self.fields["outcome"].queryset = OutcomeOption.objects.filter(  # type: ignore[attr-defined]
            agency_type=referral.agency.agency_type, is_active=True
        )


class ReferralFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả")), *ReferralStatus.choices]
    )
    agency_type = forms.ChoiceField(
        label=_("Loại cơ quan"), required=False, choices=[("", _("Tất cả")), *AgencyType.choices]
    )
    overdue = forms.BooleanField(label=_("Chỉ quá hạn phản hồi"), required=False)


def referral_filters(form: ReferralFilterForm) -> selectors.ReferralFilters:
    """The referrals list's filters from its form (the list and its export read them alike)."""
    cleaned = form.cleaned_data if form.is_valid() else {}
    return selectors.ReferralFilters(
        status=cleaned.get("status", ""),
        agency_type=cleaned.get("agency_type", ""),
        overdue=bool(cleaned.get("overdue")),
    )
