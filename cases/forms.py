"""Forms validate and normalise input; the services re-check every rule that protects the data."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from childprotect.accounts.models import User
from childprotect.forms import StyledForm
from childprotect.places.models import AdminUnit
from childprotect.text import nfc

from . import selectors
from .fields import UnitField as UnitField
from .models import (
    MAIN_FORMS,
    SEXUAL_SUBTYPES,
    AbuseForm,
    CaseState,
    Environment,
    FlagKind,
    ReportStatus,
    ReportType,
    Sex,
    SpecialCircumstance,
    Term,
    TermKind,
)
from .services import ChildData, ReportData
from .services.intake import MAU01_FIELDS, MAU01_TEXT_MAX

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DATE_HELP = "dd/mm/yyyy"
MAU01_TEXTS = [name for name in MAU01_FIELDS if not name.endswith("_age") and name != "child_age_estimate"]


def _text(value: str) -> str:
    return nfc(value) if value else ""


def _parent_age(label: StrOrPromise, refusal: StrOrPromise) -> forms.IntegerField:
    """A parent's age on Mẫu 01, optional, 10 to 120 (the services' bounds, in their words)."""
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=10,
        max_value=120,
        error_messages={"min_value": refusal, "max_value": refusal},
    )


class ReportForm(StyledForm):
    received_at = forms.DateTimeField(label=_("Thời điểm tiếp nhận"), help_text=_("dd/mm/yyyy hh:mm, đến từng phút"))
    report_type = forms.ChoiceField(
        label=_("Loại"), choices=ReportType.choices, widget=forms.RadioSelect, initial=ReportType.NOTIFICATION
    )
    channel = forms.ModelChoiceField(
        label=_("Kênh tiếp nhận"), queryset=Term.objects.filter(kind=TermKind.CHANNEL, is_active=True), empty_label=None
    )
    reporter_anonymous = forms.BooleanField(label=_("Người báo tin giấu tên"), required=False)
    reporter_name = forms.CharField(label=_("Họ tên người báo tin"), max_length=150, required=False)
    reporter_phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    reporter_address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)
    reporter_relation = forms.CharField(label=_("Quan hệ với trẻ em"), max_length=100, required=False)
    description = forms.CharField(label=_("Nội dung sự việc"), widget=forms.Textarea(attrs={"rows": 5}))
    # Required in clean(): a sexual-abuse subtype alone is enough (the service adds the form it belongs to).
    forms_main = forms.MultipleChoiceField(
        label=_("Hình thức xâm hại"), choices=MAIN_FORMS, widget=forms.CheckboxSelectMultiple, required=False
    )
    forms_sexual = forms.MultipleChoiceField(
        label=_("Hành vi xâm hại tình dục (nếu có)"),
        choices=SEXUAL_SUBTYPES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    environment = forms.ChoiceField(label=_("Môi trường xảy ra"), choices=Environment.choices)
    incident_date = forms.DateField(label=_("Ngày xảy ra"), required=False, help_text=DATE_HELP)
    incident_unit = UnitField(label=_("Xã, phường nơi xảy ra"), help_text=_("Mã (ví dụ 14797) hoặc tên đầy đủ"))
    incident_place = forms.CharField(label=_("Địa điểm cụ thể"), max_length=255, required=False)
    injury = forms.BooleanField(label=_("Trẻ bị thương tích"), required=False)
    ongoing_danger = forms.BooleanField(label=_("Trẻ đang gặp nguy hiểm"), required=False)
    carer_is_perpetrator = forms.BooleanField(label=_("Người chăm sóc là người xâm hại"), required=False)
    # NĐ 56 Mẫu 01 A.2: each optional ("nếu biết"); the service re-checks every limit.
    child_age_estimate = forms.IntegerField(
        label=_("Ước lượng tuổi của trẻ em"),
        required=False,
        min_value=0,
        max_value=15,
        help_text=_("Khi chưa rõ ngày sinh; trẻ em là người dưới 16 tuổi"),
        error_messages={
            "max_value": _("Trẻ em là người dưới 16 tuổi (Luật Trẻ em Điều 1): tuổi ước lượng phải từ 0 đến 15."),
            "min_value": _("Tuổi không thể là số âm."),
        },
    )
    child_condition = forms.CharField(
        label=_("Tình trạng hiện tại của trẻ em"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAU01_TEXT_MAX,
    )
    likely_consequences = forms.CharField(
        label=_("Phỏng đoán hậu quả có thể xảy ra cho trẻ em nếu không được hỗ trợ, can thiệp"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAU01_TEXT_MAX,
    )
    father_name = forms.CharField(label=_("Họ và tên cha"), max_length=150, required=False)
    father_age = _parent_age(_("Tuổi của cha"), _("Tuổi của cha phải từ 10 đến 120."))
    father_occupation = forms.CharField(label=_("Nghề nghiệp của cha"), max_length=100, required=False)
    mother_name = forms.CharField(label=_("Họ và tên mẹ"), max_length=150, required=False)
    mother_age = _parent_age(_("Tuổi của mẹ"), _("Tuổi của mẹ phải từ 10 đến 120."))
    mother_occupation = forms.CharField(label=_("Nghề nghiệp của mẹ"), max_length=100, required=False)
    family_situation = forms.CharField(
        label=_("Hoàn cảnh gia đình"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAU01_TEXT_MAX,
    )
    current_carer = forms.CharField(label=_("Hiện ai đang chăm sóc trẻ em"), max_length=255, required=False)
    prior_actions = forms.CharField(
        label=_("Những hành động hỗ trợ, can thiệp đã thực hiện đối với trẻ em trước khi nhận thông tin"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAU01_TEXT_MAX,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not cleaned.get("reporter_anonymous")
            and not cleaned.get("reporter_name")
            and not cleaned.get("reporter_phone")
        ):
            self.add_error("reporter_name", _("Ghi họ tên hoặc điện thoại người báo tin, hoặc đánh dấu giấu tên."))
        if not cleaned.get("forms_main") and not cleaned.get("forms_sexual"):
            self.add_error("forms_main", _("Chọn ít nhất một hình thức xâm hại."))
        return cleaned

    def to_data(self, perpetrators: list[dict[str, Any]]) -> ReportData:
        c = self.cleaned_data
        return ReportData(
            report_type=c["report_type"],
            channel=c["channel"],
            received_at=c["received_at"],
            description=_text(c["description"]),
            environment=c["environment"],
            incident_unit=c["incident_unit"],
            forms=[*c["forms_main"], *c.get("forms_sexual", [])],
            incident_date=c.get("incident_date"),
            incident_place=_text(c.get("incident_place", "")),
            reporter_anonymous=c.get("reporter_anonymous", False),
            reporter_name=_text(c.get("reporter_name", "")),
            reporter_phone=c.get("reporter_phone", "").strip(),
            reporter_address=_text(c.get("reporter_address", "")),
            reporter_relation=_text(c.get("reporter_relation", "")),
            injury=c.get("injury", False),
            ongoing_danger=c.get("ongoing_danger", False),
            carer_is_perpetrator=c.get("carer_is_perpetrator", False),
            perpetrators=perpetrators,
            child_age_estimate=c.get("child_age_estimate"),
            father_age=c.get("father_age"),
            mother_age=c.get("mother_age"),
            **{name: _text(c.get(name, "")).strip() for name in MAU01_TEXTS},
        )


class PerpetratorForm(StyledForm):
    name = forms.CharField(label=_("Họ tên (nếu biết)"), max_length=150, required=False)
    relation = forms.ModelChoiceField(
        label=_("Quan hệ với trẻ em"),
        queryset=Term.objects.filter(kind=TermKind.RELATION, is_active=True),
        required=False,
        empty_label="—",
    )
    sex = forms.ChoiceField(label=_("Giới tính"), choices=Sex.choices, initial=Sex.UNKNOWN)
    approx_age = forms.IntegerField(label=_("Tuổi (ước tính)"), min_value=0, max_value=120, required=False)
    lives_with_child = forms.BooleanField(label=_("Sống cùng trẻ em"), required=False)

    def to_data(self) -> dict[str, Any] | None:
        c = self.cleaned_data
        if not c or not (c.get("name") or c.get("relation") or c.get("approx_age") is not None):
            return None  # an untouched row
        return {
            "name": _text(c.get("name", "")),
            "relation": c.get("relation"),
            "sex": c.get("sex", Sex.UNKNOWN),
            "approx_age": c.get("approx_age"),
            "lives_with_child": c.get("lives_with_child", False),
        }


PerpetratorFormSet = forms.formset_factory(PerpetratorForm, extra=2, max_num=5)


class ChildForm(StyledForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    other_names = forms.CharField(label=_("Tên gọi khác"), max_length=150, required=False)
    date_of_birth = forms.DateField(label=_("Ngày sinh"), required=False, help_text=DATE_HELP)
    birth_year = forms.IntegerField(label=_("Năm sinh (nếu không rõ ngày sinh)"), required=False, min_value=1900)
    birth_year_estimated = forms.BooleanField(label=_("Năm sinh ước tính"), required=False)
    sex = forms.ChoiceField(label=_("Giới tính"), choices=[("", "—"), *Sex.choices])
    ethnicity = forms.ModelChoiceField(
        label=_("Dân tộc"),
        queryset=Term.objects.filter(kind=TermKind.ETHNICITY, is_active=True),
        required=False,
        empty_label="—",
    )
    national_id = forms.CharField(
        label=_("Mã định danh cá nhân"), max_length=20, required=False, help_text=_("12 chữ số, nếu có")
    )
    residence_unit = UnitField(label=_("Xã, phường nơi cư trú"), help_text=_("Mã (ví dụ 14797) hoặc tên đầy đủ"))
    address = forms.CharField(label=_("Địa chỉ (thôn, tổ dân phố, số nhà)"), max_length=255, required=False)
    school = forms.CharField(label=_("Trường"), max_length=150, required=False)
    school_class = forms.CharField(label=_("Lớp"), max_length=30, required=False)
    circumstances = forms.MultipleChoiceField(
        label=_("Trẻ em có hoàn cảnh đặc biệt (Luật Trẻ em Điều 10)"),
        choices=SpecialCircumstance.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    carer_name = forms.CharField(label=_("Người chăm sóc: họ tên"), max_length=150, required=False)
    carer_relation = forms.CharField(label=_("Quan hệ với trẻ"), max_length=60, required=False)
    carer_phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)

    def __init__(self, *args: Any, with_carer: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_carer:
            for name in ("carer_name", "carer_relation", "carer_phone"):
                del self.fields[name]

    def clean_national_id(self) -> str:
        value = "".join(self.cleaned_data.get("national_id", "").split())
        if value and not (len(value) == 12 and value.isdigit()):
            raise forms.ValidationError(_("Mã định danh cá nhân gồm đúng 12 chữ số."))
        return value

    def clean_date_of_birth(self) -> Any:
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Ngày sinh không thể ở tương lai."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("date_of_birth") and not cleaned.get("birth_year") and "date_of_birth" not in self.errors:
            self.add_error("birth_year", _("Cần ngày sinh hoặc năm sinh (ước tính)."))
        return cleaned

    def to_data(self) -> ChildData:
        c = self.cleaned_data
        carers = []
        if c.get("carer_name"):
            carers.append(
                {
                    "full_name": _text(c["carer_name"]),
                    "relation": _text(c.get("carer_relation", "")),
                    "phone": c.get("carer_phone", "").strip(),
                }
            )
        return ChildData(
            full_name=_text(c["full_name"]),
            other_names=_text(c.get("other_names", "")),
            sex=c["sex"],
            residence_unit=c["residence_unit"],
            date_of_birth=c.get("date_of_birth"),
            birth_year=c.get("birth_year"),
            birth_year_estimated=c.get("birth_year_estimated", False) and not c.get("date_of_birth"),
            ethnicity=c.get("ethnicity"),
            national_id=c.get("national_id", ""),
            address=_text(c.get("address", "")),
            school=_text(c.get("school", "")),
            school_class=_text(c.get("school_class", "")),
            notes=c.get("notes", "").strip(),
            circumstances=c.get("circumstances", []),
            carers=carers,
        )


class ChildEditForm(ChildForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, with_carer=False, **kwargs)


class CarerForm(StyledForm):
    full_name = forms.CharField(label=_("Người chăm sóc: họ tên"), max_length=150, required=False)
    relation = forms.CharField(label=_("Quan hệ với trẻ"), max_length=60, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)


CarerFormSet = forms.formset_factory(CarerForm, extra=1, max_num=6)


class ChildFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Tìm theo tên, mã định danh hoặc số điện thoại"),
        required=False,
        max_length=100,
        help_text=_(
            "Họ tên (không cần dấu), mã định danh 12 số, hoặc số điện thoại người chăm sóc (0912 345 678, +84…)."
        ),
    )
    unit = UnitField(label=_("Xã, phường"), required=False)
    circumstance = forms.ChoiceField(
        label=_("Hoàn cảnh đặc biệt"), required=False, choices=[("", _("Tất cả")), *SpecialCircumstance.choices]
    )
    sex = forms.ChoiceField(label=_("Giới tính"), required=False, choices=[("", _("Tất cả")), *Sex.choices])
    shared_id = forms.BooleanField(label=_("Trùng mã định danh"), required=False)
    order = forms.ChoiceField(
        label=_("Sắp xếp"),
        required=False,
        choices=[("name", _("Theo tên")), ("-created", _("Mới đăng ký trước")), ("birth", _("Nhỏ tuổi trước"))],
    )


class ReportFilterForm(StyledForm):
    q = forms.CharField(label=_("Tìm"), required=False, max_length=100)
    unit = UnitField(label=_("Xã, phường"), required=False)

    def __init__(self, *args: Any, reporters: bool = False, **kwargs: Any) -> None:
        """`reporters`: the user may see reporters (a phone number then finds reports by the reporter's phone)."""
        super().__init__(*args, **kwargs)
        self.fields["q"].help_text = (
            _("Số tiếp nhận, hoặc số điện thoại người báo tin (0912 345 678, +84…).")
            if reporters
            else _("Số tiếp nhận.")
        )

    form = forms.ChoiceField(
        label=_("Hình thức xâm hại"), required=False, choices=[("", _("Tất cả")), *MAIN_FORMS, *SEXUAL_SUBTYPES]
    )
    status = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả")), *ReportStatus.choices]
    )
    date_from = forms.DateField(label=_("Tiếp nhận từ ngày"), required=False, help_text=DATE_HELP)
    date_to = forms.DateField(label=_("đến ngày"), required=False, help_text=DATE_HELP)
    order = forms.ChoiceField(
        label=_("Sắp xếp"),
        required=False,
        choices=[("-received", _("Mới nhất trước")), ("received", _("Cũ nhất trước"))],
    )


CASE_FILTER_KEYS = (
    "state",
    "overdue",
    "unit",
    "form",
    "officer",
    "open",
    "received_from",
    "received_to",
    "closed",
    "reopened",
    "flag",
    "departed",
    "ids",
)
SELECTION_MAX = 100  # cases a selection (`ids`) names at most: a page of the list is 25


def report_filters(form: ReportFilterForm) -> selectors.ReportFilters:
    """The reports list's filters from its form (the list and its export read them alike)."""
    if not (form.is_bound and form.is_valid()):
        return selectors.ReportFilters()
    c = form.cleaned_data
    return selectors.ReportFilters(
        q=c.get("q", ""),
        unit=c.get("unit"),
        form=c.get("form", ""),
        status=c.get("status", ""),
        date_from=c.get("date_from"),
        date_to=c.get("date_to"),
        order=c.get("order") or "-received",
    )


def child_filters(form: ChildFilterForm) -> selectors.ChildFilters:
    """The children list's filters from its form (the list and its export read them alike)."""
    if not (form.is_bound and form.is_valid()):
        return selectors.ChildFilters()
    c = form.cleaned_data
    return selectors.ChildFilters(
        q=c.get("q", ""),
        unit=c.get("unit"),
        circumstance=c.get("circumstance", ""),
        sex=c.get("sex", ""),
        shared_id=bool(c.get("shared_id")),
        order=c.get("order") or "name",
    )


def case_filters(query: Any) -> selectors.CaseFilters:
    """The cases list's filters from the query string (the list and its export read them alike).

    `unit` is an AdminUnit id (the home pages' drill-down by commune): the list keeps the cases of that unit and the
    units below it among those the user reaches, so a unit outside the user's reach, or one that does not exist,
    gives an empty list, never the cases of another commune. `form` is a form of abuse named in the case's report.
    The caseload figures' drill-down (home/caseload.py) adds `officer` (a User id: the cases in reach that officer is
    in charge of), `open=1`, `received_from`/`received_to` (YYYY-MM-DD, local days, both included), `closed=1`
    (closed at least once) and `reopened=1` (reopened at least once). A malformed value is ignored, as for `state`.
    The bulk actions add `flag` (a kind of flag the case carries, FlagKind), `ids` (a selection, "12,15,19": the bulk
    export) and `departed=1` (the open cases whose officer left).
    """
    state, form, unit_id = query.get("state", ""), query.get("form", ""), query.get("unit", "").strip()
    flag = query.get("flag", "")
    raw_ids = query.get("ids", "").strip()
    ids = [v for v in raw_ids.split(",") if v.strip().isdecimal()]
    unit = None
    if unit_id.isdecimal():
        # An unknown id (or one too long for the column) stands for a unit with no case: the filter stays on and
        # matches nothing.
        pk = int(unit_id) if len(unit_id) <= 18 else 0
        unit = AdminUnit.objects.filter(pk=pk).first() or AdminUnit(pk=pk, path=f"-{pk}")
    return selectors.CaseFilters(
        state=state if state in CaseState.values else "",
        overdue=query.get("overdue") == "1",
        unit=unit,
        form=form if form in AbuseForm.values else "",
        officer=_number(query.get("officer", "")),
        open=query.get("open") == "1",
        received_from=_day(query.get("received_from", "")),
        received_to=_day(query.get("received_to", "")),
        closed=query.get("closed") == "1",
        reopened=query.get("reopened") == "1",
        flag=flag if flag in FlagKind.values else "",
        # A selection of nothing valid selects nothing (an id too long for the column: none).
        ids=tuple(int(v) if len(v.strip()) <= 18 else 0 for v in ids[:SELECTION_MAX]) or ((0,) if raw_ids else ()),
        departed=query.get("departed") == "1",
    )


def _number(text: str) -> int | None:
    """An id from the query string; one too long for the column stands for no one (0 matches nothing)."""
    text = text.strip()
    if not text.isdecimal():
        return None
    return int(text) if len(text) <= 18 else 0


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def case_filter_problems(query: Any) -> list[str]:
    """What in the cases list's query no longer means anything (a step or a form of abuse unknown, a commune that
    does not exist, a kind of flag unknown), in Vietnamese: the list ignores such a filter (`case_filters`), and says
    so; a saved search with any of them shows no count (home/saved_searches.py)."""
    problems: list[str] = []
    state, form, flag = query.get("state", ""), query.get("form", ""), query.get("flag", "")
    unit_id = str(query.get("unit", "")).strip()
    if state and state not in CaseState.values:
        problems.append(_("Bước hiện tại “%(v)s” không còn tồn tại.") % {"v": state[:40]})
    if form and form not in AbuseForm.values:
        problems.append(_("Hình thức xâm hại “%(v)s” không còn tồn tại.") % {"v": form[:40]})
    if flag and flag not in FlagKind.values:
        problems.append(_("Loại đánh dấu “%(v)s” không còn tồn tại.") % {"v": flag[:40]})
    if unit_id and not (
        unit_id.isdecimal() and len(unit_id) <= 18 and AdminUnit.objects.filter(pk=int(unit_id)).exists()
    ):
        problems.append(_("Xã, phường (mã %(v)s) không còn tồn tại.") % {"v": unit_id[:20]})
    officer = str(query.get("officer", "")).strip()
    if officer and not (officer.isdecimal() and len(officer) <= 18 and User.objects.filter(pk=int(officer)).exists()):
        problems.append(_("Cán bộ (mã %(v)s) không còn tồn tại.") % {"v": officer[:20]})
    return [str(p) for p in problems]


class CaseFlagForm(StyledForm):
    """A flag on one case (the case page): its kind and a note, as of the version of the case the page showed."""

    kind = forms.ChoiceField(label=_("Loại đánh dấu"), choices=FlagKind.choices)
    note = forms.CharField(
        label=_("Ghi chú"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CaseBulkForm(StyledForm):
    """The cases list's bulk bar: the cases ticked on the page (or all of the page's), the action and what it needs
    (the new officer for a reassignment, the kind and note of a flag)."""

    ACTIONS = [("reassign", _("Giao cho cán bộ khác")), ("flag", _("Đánh dấu hồ sơ")), ("export", _("Xuất danh sách"))]

    action = forms.ChoiceField(label=_("Thao tác với các hồ sơ đã chọn"), choices=ACTIONS)
    officer = forms.ModelChoiceField(label=_("Cán bộ phụ trách mới"), queryset=AdminUnit.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Loại đánh dấu"), choices=FlagKind.choices, required=False)
    note = forms.CharField(
        label=_("Ghi chú"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("Lý do giao lại"), max_length=1000, required=False)
    export_format = forms.ChoiceField(
        label=_("Định dạng tệp"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], required=False
    )

    def __init__(self, *args: Any, officers: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers  # type: ignore[attr-defined]
        self.fields["action"].choices = [(k, v) for k, v in self.ACTIONS if k in actions]  # type: ignore[attr-defined]

    def selection(self) -> list[int]:
        """The cases ticked (`cases`), or every case of the page (`all_on_page` with the page's `on_page`), in order,
        at most SELECTION_MAX; ids that are not numbers are dropped (the services refuse those out of reach)."""
        key = "on_page" if self.data.get("all_on_page") == "1" else "cases"
        raw = self.data.getlist(key) if hasattr(self.data, "getlist") else self.data.get(key, [])
        picked: list[int] = []
        for value in raw:
            value = str(value).strip()
            if value.isdecimal() and len(value) <= 18 and int(value) not in picked:
                picked.append(int(value))
        return picked[:SELECTION_MAX]

    def versions(self) -> dict[int, int | None]:
        """Each case picked with the version the preview showed (`version-<id>`; None when missing: stale)."""
        shown: dict[int, int | None] = {}
        for pk in self.selection():
            raw = str(self.data.get(f"version-{pk}", ""))
            shown[pk] = int(raw) if raw.isdigit() and len(raw) <= 9 else None
        return shown

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.selection():
            raise forms.ValidationError(_("Hãy chọn ít nhất một hồ sơ."), code="required")
        action = cleaned.get("action")
        if action == "reassign" and not cleaned.get("officer"):
            self.add_error("officer", _("Hãy chọn cán bộ phụ trách mới."))
        if action == "flag" and not cleaned.get("kind"):
            self.add_error("kind", _("Hãy chọn loại đánh dấu."))
        return cleaned
