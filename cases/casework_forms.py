"""One form per workflow action (the record each step needs), named by its row in cases/workflow.py. The handlers
re-check what protects the data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from childprotect.accounts.models import Role, User
from childprotect.accounts.selectors import jurisdiction_units
from childprotect.forms import StyledForm
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import successors_of

from .fields import UnitField
from .models import HARM_CRITERIA, HARM_SCALE, RESILIENCE_CRITERIA, AbuseFinding, LinkKind, ProtectionLevel, RiskLevel
from .responsible import active_officers_by_load
from .selectors import case_number_pk

TEXTAREA = forms.Textarea(attrs={"rows": 3})
YES_NO_REQUIRED = {"required": _("Chọn một câu trả lời.")}


class ActionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def record(self) -> dict[str, Any]:
        """What the step stores (and the official form prints): the cleaned values but the version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class AssessInitialForm(ActionForm):
    risk_level = forms.ChoiceField(label=_("Mức độ nguy cơ"), choices=RiskLevel.choices, widget=forms.RadioSelect)
    in_danger_now = forms.BooleanField(label=_("Trẻ đang gặp nguy hiểm ngay lúc này"), required=False)
    needs_emergency = forms.BooleanField(label=_("Đề nghị áp dụng biện pháp bảo vệ khẩn cấp"), required=False)
    level = forms.ChoiceField(
        label=_("Mức độ bảo vệ dự kiến"), choices=[("", "—"), *ProtectionLevel.choices], required=False
    )
    summary = forms.CharField(label=_("Nhận định, thông tin đã xác minh"), widget=TEXTAREA)
    finding = forms.ChoiceField(
        label=_("Kết luận về việc xâm hại"),
        choices=[("", _("Chưa đủ căn cứ kết luận")), *AbuseFinding.choices],
        required=False,
        help_text=_("Báo cáo định kỳ chỉ tính trẻ em bị xâm hại khi đã xác định có xâm hại (chỉ tiêu 0101)"),
    )


class DecideEmergencyForm(ActionForm):
    emergency_needed = forms.BooleanField(label=_("Áp dụng biện pháp bảo vệ khẩn cấp"), required=False)
    measures = forms.CharField(
        label=_("Biện pháp áp dụng"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Ví dụ: đưa trẻ đi khám, chữa trị; bố trí nơi tạm trú an toàn; cách ly trẻ khỏi người xâm hại"),
    )
    separation = forms.BooleanField(label=_("Cách ly tạm thời trẻ khỏi cha, mẹ, người chăm sóc"), required=False)
    separation_days = forms.IntegerField(
        label=_("Số ngày cách ly"),
        min_value=1,
        required=False,
        help_text=_("Không quá 15 ngày, trừ khi cơ quan có thẩm quyền gia hạn"),
    )
    placement = forms.CharField(label=_("Nơi trẻ được bố trí chăm sóc thay thế"), max_length=255, required=False)
    note = forms.CharField(label=_("Lý do, căn cứ"), widget=TEXTAREA)
    # The numbers the commune's register gives the chair's decisions, printed on them (cases/documents.py); blank: the
    # printed decision leaves dots for the number written on paper.
    decision_number = forms.CharField(
        label=_("Số quyết định áp dụng biện pháp bảo vệ khẩn cấp"), max_length=60, required=False
    )
    separation_decision_number = forms.CharField(
        label=_("Số quyết định tạm thời cách ly (Mẫu 07)"), max_length=60, required=False
    )

    def clean_separation_days(self) -> int | None:
        days = self.cleaned_data.get("separation_days")
        if days and days > settings.CHILDPROTECT_SEPARATION_MAX_DAYS:
            raise forms.ValidationError(
                _("Không quá %(days)s ngày.") % {"days": settings.CHILDPROTECT_SEPARATION_MAX_DAYS}
            )
        return days


class AssessSpecificForm(ActionForm):
    level = forms.ChoiceField(label=_("Mức độ bảo vệ"), choices=ProtectionLevel.choices, widget=forms.RadioSelect)
    needs = forms.CharField(label=_("Nhu cầu của trẻ em và gia đình"), widget=TEXTAREA)
    meeting_date = forms.DateField(label=_("Ngày họp xác định nhu cầu"), help_text="dd/mm/yyyy")
    participants = forms.CharField(label=_("Thành phần tham dự"), widget=TEXTAREA)
    minutes = forms.CharField(label=_("Nội dung biên bản họp"), widget=forms.Textarea(attrs={"rows": 5}))
    finding = forms.ChoiceField(
        label=_("Kết luận về việc xâm hại"),
        choices=[("", _("Giữ kết luận của đánh giá ban đầu")), *AbuseFinding.choices],
        required=False,
    )


class DraftPlanForm(ActionForm):
    goals = forms.CharField(label=_("Mục tiêu của kế hoạch"), widget=TEXTAREA)
    end_date = forms.DateField(label=_("Kế hoạch thực hiện đến ngày"), help_text="dd/mm/yyyy")


class ActivityForm(StyledForm):
    activity = forms.CharField(label=_("Hoạt động"), max_length=255, required=False)
    responsible = forms.CharField(label=_("Người, cơ quan thực hiện"), max_length=255, required=False)
    start = forms.DateField(label=_("Từ ngày"), required=False)
    end = forms.DateField(label=_("Đến ngày"), required=False)
    resources = forms.CharField(label=_("Nguồn lực"), max_length=255, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("activity") and not (cleaned.get("responsible") and cleaned.get("start") and cleaned.get("end")):
            raise forms.ValidationError(_("Mỗi hoạt động cần người thực hiện, ngày bắt đầu và ngày kết thúc."))
        return cleaned


ActivityFormSet = forms.formset_factory(ActivityForm, extra=3, max_num=30)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Lý do, nội dung cần sửa"), widget=TEXTAREA)


class ApprovePlanForm(ActionForm):
    decision_number = forms.CharField(label=_("Số quyết định phê duyệt"), max_length=60)
    note = forms.CharField(label=_("Ý kiến"), widget=TEXTAREA, required=False)


class LogActivityForm(ActionForm):
    activity = forms.CharField(label=_("Hoạt động đã thực hiện"), max_length=255)
    done_on = forms.DateField(label=_("Ngày thực hiện"), help_text="dd/mm/yyyy")
    note = forms.CharField(label=_("Kết quả"), widget=TEXTAREA)


def rating_field(label: str, meanings: dict[str, str] | None = None) -> forms.ChoiceField:
    help_text = "; ".join(f"{RiskLevel(k).label}: {v}" for k, v in meanings.items()) if meanings else ""
    return forms.ChoiceField(
        label=label,
        choices=RiskLevel.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=help_text,
        error_messages={
            "required": _("Chọn mức độ: Cao, Trung bình hoặc Thấp."),
            "invalid_choice": _("Chỉ chọn Cao, Trung bình hoặc Thấp."),
        },
    )


class ReviewForm(ActionForm):
    """Mẫu 06 (NĐ 56/2017 Đ30 k2): the three harm criteria and the child's self-protection and recovery, each rated
    Cao / Trung bình / Thấp; then what Đ30 k1 decides on (risk remaining, the child stable) and the conclusion."""

    harm_severity = rating_field(HARM_CRITERIA[0][1], HARM_SCALE["harm_severity"])
    abuser_access = rating_field(HARM_CRITERIA[1][1], HARM_SCALE["abuser_access"])
    care_obstacles = rating_field(HARM_CRITERIA[2][1], HARM_SCALE["care_obstacles"])
    self_protection = rating_field(RESILIENCE_CRITERIA[0][1])
    recovery_level = rating_field(RESILIENCE_CRITERIA[1][1])
    risk_remains = forms.BooleanField(label=_("Trẻ còn nguy cơ bị xâm hại"), required=False)
    child_stable = forms.BooleanField(
        label=_("Trẻ đã ổn định về thể chất, tâm lý, nhận thức, tình cảm"), required=False
    )
    care_environment = forms.CharField(label=_("Ghi chú về môi trường chăm sóc"), widget=TEXTAREA, required=False)
    recovery = forms.CharField(label=_("Ghi chú về sự phục hồi của trẻ"), widget=TEXTAREA, required=False)
    conclusion = forms.CharField(
        label=_("Kết luận, đề xuất"),
        widget=TEXTAREA,
        error_messages={"required": _("Ghi kết luận, đề xuất của lần rà soát.")},
    )

    def rating_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The criteria as the form's two tables (templates/cases/case_act.html draws each as radio rows)."""
        return [
            (str(_("a) Đánh giá mức độ tổn hại của trẻ em")), [self[name] for name, _label in HARM_CRITERIA]),
            (
                str(_("b) Đánh giá khả năng tự bảo vệ, phục hồi của trẻ em")),
                [self[name] for name, _label in RESILIENCE_CRITERIA],
            ),
        ]

    def other_fields(self) -> list[forms.BoundField]:
        rated = {name for name, _label in (*HARM_CRITERIA, *RESILIENCE_CRITERIA)}
        return [f for f in self.visible_fields() if f.name not in rated]


class EndSeparationForm(ActionForm):
    end_decision_number = forms.CharField(label=_("Số quyết định chấm dứt"), max_length=60)
    end_decided_on = forms.DateField(label=_("Ngày quyết định"), help_text="dd/mm/yyyy")
    note = forms.CharField(
        label=_("Căn cứ"),
        widget=TEXTAREA,
        required=False,
        help_text=_("Ví dụ: trẻ đã an toàn; nơi trẻ trở về sống; người xâm hại không còn tiếp cận được trẻ"),
    )


class ExtendSeparationForm(ActionForm):
    """The chair's decision extending a running temporary separation (NĐ 56 Đ32): cases/handlers.py checks it."""

    extension_decision_number = forms.CharField(label=_("Số quyết định gia hạn"), max_length=60)
    extension_decided_on = forms.DateField(label=_("Ngày quyết định"), help_text="dd/mm/yyyy")
    separation_until = forms.DateField(label=_("Gia hạn cách ly đến ngày"), help_text="dd/mm/yyyy")
    requested_by = forms.CharField(
        label=_("Cơ quan có thẩm quyền yêu cầu tiếp tục cách ly, văn bản yêu cầu"),
        max_length=255,
        required=False,
        help_text=_("Bắt buộc khi tổng thời gian cách ly quá 15 ngày (NĐ 56/2017 Điều 32)"),
    )
    basis = forms.CharField(label=_("Lý do gia hạn"), widget=TEXTAREA)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Ghi chú"), widget=TEXTAREA, required=False)


class ReassignForm(ActionForm):
    """The new officer in charge: an active officer of the case's commune (the handler checks it again)."""

    officer = forms.ModelChoiceField(
        label=_("Cán bộ phụ trách mới"),
        queryset=User.objects.none(),
        error_messages={
            "invalid_choice": _("Chỉ giao được cho cán bộ bảo vệ trẻ em đang làm việc tại xã, phường của hồ sơ.")
        },
    )
    reason = forms.CharField(label=_("Lý do"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, case: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officers = User.objects.filter(role=Role.COMMUNE_OFFICER, is_active=True)
        if case is not None:
            officers = officers.filter(unit_id=case.unit_id)
        self.fields["officer"].queryset = officers.order_by("full_name", "username")  # type: ignore[attr-defined]


class TransferForm(ActionForm):
    """A transfer step's form: told the case, the acting person and the open transfer by the page."""

    def __init__(self, *args: Any, case: Any = None, actor: Any = None, transfer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case, self.actor, self.transfer = case, actor, transfer


class TransferRequestForm(TransferForm):
    to_unit = UnitField(
        any_level=True,
        error_messages={"required": _("Cần chọn xã, phường nhận hồ sơ.")},
        label=_("Xã, phường nhận hồ sơ"),
        help_text=_("Mã (ví dụ 14758) hoặc tên đầy đủ của xã, phường nơi trẻ chuyển đến"),
    )
    reason = forms.CharField(label=_("Lý do chuyển"), widget=TEXTAREA)


class TransferDirectForm(TransferRequestForm):
    """A supervisor's direct transfer: the commune, who takes the case there (among the officers in reach)."""

    officer = forms.ModelChoiceField(
        label=_("Cán bộ phụ trách tại xã, phường nhận"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Cán bộ đang phụ trách ít hồ sơ nhất"),
    )
    field_order = ["to_unit", "officer", "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officers = User.objects.filter(role=Role.COMMUNE_OFFICER, is_active=True)
        if self.actor is not None:
            officers = officers.filter(unit__in=jurisdiction_units(self.actor))
        self.fields["officer"].queryset = officers.select_related("unit").order_by("unit__name", "full_name")  # type: ignore[attr-defined]
        self.fields["officer"].label_from_instance = lambda u: f"{u} – {u.unit.name}"  # type: ignore[attr-defined]


class TransferAcceptForm(TransferForm):
    """Accepting: an officer of the receiving commune takes the case himself; a chair or a supervisor picks one of
    its active officers (the one with the fewest open cases first)."""

    officer = forms.ModelChoiceField(
        label=_("Cán bộ phụ trách hồ sơ"), queryset=User.objects.none(), required=False, empty_label=None
    )
    note = forms.CharField(label=_("Ghi chú"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_unit = getattr(self.transfer, "to_unit", None)
        actor = self.actor
        self.takes_it = bool(
            actor is not None
            and to_unit is not None
            and actor.role == Role.COMMUNE_OFFICER
            and actor.unit_id == to_unit.pk
        )
        if self.takes_it or to_unit is None:
            del self.fields["officer"]
            return
        officers = list(active_officers_by_load(to_unit))
        self.no_officer = not officers
        field = self.fields["officer"]
        field.queryset = User.objects.filter(pk__in=[o.pk for o in officers])  # type: ignore[attr-defined]
        field.choices = [(o.pk, f"{o} ({o.open_cases} hồ sơ đang mở)") for o in officers]  # type: ignore[attr-defined]
        if officers:
            field.initial = officers[0].pk


class TransferDeclineForm(TransferForm):
    reason = forms.CharField(label=_("Lý do từ chối"), widget=TEXTAREA)


class TransferCancelForm(TransferForm):
    note = forms.CharField(label=_("Ghi chú"), widget=TEXTAREA, required=False)


class RehomeForm(ActionForm):
    """The current-list commune the case goes to: one of its commune's successors (the handler checks it again)."""

    unit = forms.ModelChoiceField(
        label=_("Xã, phường mới"),
        queryset=AdminUnit.objects.none(),
        error_messages={"invalid_choice": _("Chỉ chuyển được sang đơn vị kế thừa theo bảng chuyển đổi.")},
    )
    reason = forms.CharField(label=_("Ghi chú"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, case: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        found = successors_of([case.unit_id]).get(case.unit_id) if case is not None else None
        field: Any = self.fields["unit"]
        field.queryset = AdminUnit.objects.filter(pk__in=[u.pk for u in found.units] if found else [])
        if found is not None and found.successor is not None:
            field.initial = found.successor.pk


class CaseIdsField(forms.Field):
    """The ids of the cases ticked. Any number posted is taken: the service refuses those out of reach as not found,
    so the form holds no list of the cases in reach."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if not all(str(v).isdigit() for v in value):
            raise forms.ValidationError(_("Danh sách hồ sơ không hợp lệ."), code="invalid")
        return [int(v) for v in value]


class BulkReassignForm(StyledForm):
    """The bulk page: the cases ticked, the new officer (among those in reach), a reason."""

    cases = CaseIdsField(label=_("Hồ sơ"), error_messages={"required": _("Hãy chọn ít nhất một hồ sơ.")})
    officer = forms.ModelChoiceField(label=_("Cán bộ phụ trách mới"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Lý do"), widget=TEXTAREA, required=False)

    def __init__(self, *args: Any, officers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]

    def versions(self) -> dict[int, int | None]:
        """Each ticked case with the version the page showed (its hidden `version-<id>`; None when missing or not a
        number: the service refuses that case as changed since)."""
        shown: dict[int, int | None] = {}
        for pk in self.cleaned_data["cases"]:
            raw = str(self.data.get(f"version-{pk}", ""))
            shown[pk] = int(raw) if raw.isdigit() else None
        return shown


class BulkRehomeForm(StyledForm):
    """The re-homing page: the cases ticked (or all those with one successor, `proposed`), and for each the commune
    chosen (`unit-<id>`) and the version it was shown at (`version-<id>`)."""

    scope = forms.ChoiceField(choices=[("ticked", "ticked"), ("proposed", "proposed")], required=False)
    cases = CaseIdsField(label=_("Hồ sơ"), required=False)
    proposed = CaseIdsField(label=_("Hồ sơ"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        picked = data.get("proposed") if data.get("scope") == "proposed" else data.get("cases")
        if not picked:
            raise forms.ValidationError(_("Hãy chọn ít nhất một hồ sơ."), code="required")
        data["picked"] = picked
        return data

    def choices(self) -> list[tuple[int, int | None, int]]:
        """(case, commune chosen or None, version shown) for each case picked."""

        def number(key: str) -> int | None:
            value = str(self.data.get(key, "")).strip()
            return int(value) if value.isdigit() else None

        return [(pk, number(f"unit-{pk}"), number(f"version-{pk}") or -1) for pk in self.cleaned_data["picked"]]


class CommentForm(StyledForm):
    text = forms.CharField(label=_("Ý kiến"), widget=TEXTAREA)
    requests_changes = forms.BooleanField(label=_("Đề nghị cán bộ phụ trách sửa, bổ sung"), required=False)


class CaseLinkForm(StyledForm):
    """Link the case to another one in reach (cases/services/links.py): by its number (HS-000123) or id."""

    other = forms.CharField(
        label=_("Số hồ sơ liên quan"),
        max_length=20,
        help_text=_("Ví dụ: HS-000123"),
        error_messages={"required": _("Nhập số hồ sơ, ví dụ HS-000123.")},
    )
    kind = forms.ChoiceField(
        label=_("Loại liên kết"),
        choices=LinkKind.choices,
        error_messages={"required": _("Chọn loại liên kết."), "invalid_choice": _("Chọn loại liên kết.")},
    )
    reason = forms.CharField(
        label=_("Lý do"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Cần ghi lý do liên kết.")},
    )

    def clean_other(self) -> int:
        pk = case_number_pk(self.cleaned_data["other"])
        if pk is None:
            raise forms.ValidationError(_("Nhập số hồ sơ, ví dụ HS-000123."))
        return pk


class CaseUnlinkForm(StyledForm):
    link = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={k: _("Không tìm thấy liên kết này.") for k in ("required", "invalid", "min_value")},
    )
    end_reason = forms.CharField(
        label=_("Lý do bỏ liên kết"), max_length=1000, error_messages={"required": _("Cần ghi lý do bỏ liên kết.")}
    )
