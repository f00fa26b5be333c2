"""The shapes of the reads (docs/api.md#reading) and their query parameters.

The views choose what a caller may see (cases.policy) and build plain dicts; these serializers only describe and
render them. A part the caller may not see is `null`, never left out, so the shape is the same for everyone.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from cases.models import AbuseForm, CaseState, FlagKind, Sex
from childprotect.converters import MAX_ID

PAGE_SIZE = 25
PAGE_SIZE_MAX = 100
PAGE_MAX = 100_000  # as the web lists
DEPTH_MAX = 100_000  # rows before a page: deeper, a list is narrowed by its filters (each page reads those before it)
SEARCH_MAX = 100

NUMBER: dict[str, Any] = {
    "invalid": "Phải là một số nguyên.",
    "max_string_length": "Số quá dài.",
    "min_value": "Phải từ {min_value} trở lên.",
    "max_value": "Phải từ {max_value} trở xuống.",
    "null": "Không được để trống.",
}
CHOICE: dict[str, Any] = {
    "invalid_choice": "Giá trị “{input}” không có trong danh sách.",
    "null": "Không được để trống.",
}
TEXT: dict[str, Any] = {
    "max_length": "Không quá {max_length} ký tự.",
    "invalid": "Phải là chuỗi ký tự.",
    "null": "Không được để trống.",
}
FLAG: dict[str, Any] = {"invalid": "Phải là 1 hoặc 0.", "null": "Không được để trống."}
DAY: dict[str, Any] = {"invalid": "Phải là một ngày dạng YYYY-MM-DD.", "null": "Không được để trống."}


# --- query parameters ----------------------------------------------------------------------------------------------


class Text(serializers.CharField):
    """A CharField whose refusals of NUL and of surrogates (DRF's and Django's, in English) are in Vietnamese."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator)
        ]
        self.validators.append(ProhibitNullCharactersValidator(message="Không được chứa ký tự NUL."))
        self.validators.append(Surrogates())


class Surrogates(ProhibitSurrogateCharactersValidator):
    message = "Không được chứa mã Unicode không phải ký tự."


class PageQuery(serializers.Serializer[Any]):
    page = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=PAGE_MAX, error_messages=NUMBER, help_text="Trang, từ 1."
    )
    page_size = serializers.IntegerField(
        required=False,
        default=PAGE_SIZE,
        min_value=1,
        max_value=PAGE_SIZE_MAX,
        error_messages=NUMBER,
        help_text=f"Số dòng mỗi trang (mặc định {PAGE_SIZE}, tối đa {PAGE_SIZE_MAX}).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs["page"] - 1) * attrs["page_size"] >= DEPTH_MAX:
            raise serializers.ValidationError(
                {"page": f"Chỉ xem được {DEPTH_MAX:,} dòng đầu của danh sách; hãy lọc bớt.".replace(",", ".")}
            )
        return attrs


class CaseQuery(PageQuery):
    """The web list's filters (cases/forms.py `case_filters`): the step, overdue only, a commune or area (an
    AdminUnit id: its cases and those of the units below it, among those in reach), a form of abuse, a kind of flag."""

    state = serializers.ChoiceField(
        choices=CaseState.choices, required=False, error_messages=CHOICE, help_text="Bước hiện tại của hồ sơ."
    )
    overdue = serializers.BooleanField(
        required=False, default=False, error_messages=FLAG, help_text="1: chỉ các hồ sơ đã quá hạn."
    )
    unit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages=NUMBER,
        help_text="Mã số (id) của xã, phường hoặc khu vực: các hồ sơ của đơn vị đó và các đơn vị trực thuộc.",
    )
    form = serializers.ChoiceField(
        choices=AbuseForm.choices, required=False, error_messages=CHOICE, help_text="Hình thức xâm hại."
    )
    # The supervisor's caseload figures' drill-down (home/caseload.py), as on the web list.
    officer = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages=NUMBER,
        help_text="Mã số (id) của cán bộ phụ trách: các hồ sơ cán bộ đó đang phụ trách.",
    )
    open = serializers.BooleanField(
        required=False, default=False, error_messages=FLAG, help_text="1: chỉ các hồ sơ chưa đóng."
    )
    received_from = serializers.DateField(
        required=False, error_messages=DAY, help_text="Tiếp nhận thông tin từ ngày này (YYYY-MM-DD, tính cả ngày đó)."
    )
    received_to = serializers.DateField(
        required=False, error_messages=DAY, help_text="Tiếp nhận thông tin đến ngày này (YYYY-MM-DD, tính cả ngày đó)."
    )
    closed = serializers.BooleanField(
        required=False, default=False, error_messages=FLAG, help_text="1: chỉ các hồ sơ đã từng được phê duyệt đóng."
    )
    reopened = serializers.BooleanField(
        required=False, default=False, error_messages=FLAG, help_text="1: chỉ các hồ sơ đã từng được mở lại."
    )
    flag = serializers.ChoiceField(
        choices=FlagKind.choices,
        required=False,
        error_messages=CHOICE,
        help_text="Loại đánh dấu hồ sơ đang mang (chưa gỡ).",
    )


class ChildQuery(PageQuery):
    """The web list's search (cases.selectors `name_matches`): accents, case and spacing ignored; 12 digits find the
    ID number; a phone number finds the children of a carer at it."""

    q = Text(
        required=False,
        default="",
        allow_blank=True,
        max_length=SEARCH_MAX,
        error_messages=TEXT,
        help_text=(
            "Tìm theo tên (không phân biệt dấu), mã định danh 12 số, hoặc số điện thoại người chăm sóc "
            "(0912 345 678, 0912.345.678, +84 912 345 678)."
        ),
    )
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, error_messages=CHOICE)


# --- shapes --------------------------------------------------------------------------------------------------------


class Coded(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label


class Unit(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class Person(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class Due(serializers.Serializer[Any]):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label
    at = serializers.DateTimeField()


class WorkAction(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label
    url = serializers.CharField()


class WorkItem(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["case", "referral", "report"])
    title = serializers.CharField()
    subject = serializers.CharField(help_text="Trẻ em, hoặc xã, phường của báo cáo định kỳ.")
    detail = serializers.CharField(help_text="Bước hoặc trạng thái hiện tại.")
    url = serializers.CharField(help_text="Trang của hồ sơ trên web.")
    since = serializers.DateTimeField()
    due = serializers.DateTimeField(allow_null=True)
    actions = WorkAction(many=True)


class Work(serializers.Serializer[Any]):
    count = serializers.IntegerField(help_text="Tổng số việc; danh sách có tối đa 50 việc mỗi loại.")
    results = WorkItem(many=True)


class ChildName(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class CaseRow(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="Số tiếp nhận của thông tin, thông báo, tố giác.")
    commune = Unit()
    state = Coded()
    officer = Person(allow_null=True)
    next_due = Due(allow_null=True)
    version = serializers.IntegerField()
    child = ChildName(allow_null=True, help_text="null: vai trò không được xem thông tin của trẻ em.")


class Page(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.IntegerField(allow_null=True)
    previous = serializers.IntegerField(allow_null=True)


class CasePage(Page):
    results = CaseRow(many=True)


class Deadline(serializers.Serializer[Any]):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField()


class Step(serializers.Serializer[Any]):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label
    from_state = serializers.CharField()
    to_state = Coded()
    actor = serializers.CharField()
    at = serializers.DateTimeField()
    deadline_due = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True)
    record = serializers.DictField(allow_null=True, help_text="Nội dung của bước; null: không được xem.")


class Reporter(serializers.Serializer[Any]):
    anonymous = serializers.BooleanField()
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    relation = serializers.CharField()


class Parent(serializers.Serializer[Any]):
    name = serializers.CharField()
    age = serializers.IntegerField(allow_null=True)
    occupation = serializers.CharField()


class Situation(serializers.Serializer[Any]):
    """NĐ 56 Mẫu 01 A.2, as received (docs/api.md#intake)."""

    age_estimate = serializers.IntegerField(allow_null=True)
    condition = serializers.CharField()
    likely_consequences = serializers.CharField()
    father = Parent()
    mother = Parent()
    family_situation = serializers.CharField()
    current_carer = serializers.CharField()
    prior_actions = serializers.CharField()


class ReportFacts(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    report_type = Coded()
    received_at = serializers.DateTimeField()
    channel = serializers.CharField()
    forms = Coded(many=True)
    environment = Coded()
    incident_date = serializers.DateField(allow_null=True)
    incident_place = serializers.CharField()
    injury = serializers.BooleanField()
    ongoing_danger = serializers.BooleanField()
    carer_is_perpetrator = serializers.BooleanField()
    description = serializers.CharField()
    reporter = Reporter(allow_null=True, help_text="null: vai trò không được xem người báo tin.")
    situation = Situation(
        allow_null=True, help_text="null: vai trò không được xem thông tin được bảo mật của trẻ em và gia đình."
    )


class CaseChild(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    sex = Coded()
    date_of_birth = serializers.DateField(allow_null=True)
    birth_year = serializers.IntegerField()


class LinkedCase(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="Số hồ sơ, ví dụ HS-000123.")
    commune = Unit()
    child_name = serializers.CharField(
        allow_null=True, help_text="null: vai trò không được xem thông tin được bảo mật của trẻ em."
    )


class CaseLink(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = Coded()
    reason = serializers.CharField(allow_null=True, help_text="null: vai trò không được xem thông tin được bảo mật.")
    at = serializers.DateTimeField()
    case = LinkedCase()


class CaseDetail(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    commune = Unit()
    state = Coded()
    level = Coded(allow_null=True)
    officer = Person(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    next_due = Due(allow_null=True)
    version = serializers.IntegerField()
    deadlines = Deadline(many=True)
    steps = Step(many=True)
    report = ReportFacts()
    child = CaseChild(allow_null=True, help_text="null: vai trò không được xem thông tin được bảo mật của trẻ em.")
    links = CaseLink(
        many=True,
        help_text=(
            "Các hồ sơ liên quan (anh chị em, cùng người xâm hại, hồ sơ trước của trẻ) trong địa bàn của người gọi; "
            "liên kết đến hồ sơ ngoài địa bàn không được liệt kê."
        ),
    )


class ChildRow(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    full_name = serializers.CharField(allow_null=True)
    birth_year = serializers.IntegerField(allow_null=True)
    sex = Coded(allow_null=True)
    commune = Unit()
    version = serializers.IntegerField()


class ChildPage(Page):
    results = ChildRow(many=True)


class Carer(serializers.Serializer[Any]):
    full_name = serializers.CharField()
    relation = serializers.CharField()
    phone = serializers.CharField()


class ChildReport(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    received_at = serializers.DateTimeField()
    commune = Unit()


class ChildRecord(serializers.Serializer[Any]):
    full_name = serializers.CharField()
    other_names = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    birth_year = serializers.IntegerField()
    birth_year_estimated = serializers.BooleanField()
    sex = Coded()
    ethnicity = serializers.CharField(allow_null=True)
    national_id = serializers.CharField()
    address = serializers.CharField()
    school = serializers.CharField()
    school_class = serializers.CharField()
    circumstances = Coded(many=True)
    carers = Carer(many=True)
    notes = serializers.CharField()
    reports = ChildReport(many=True)


class ChildDetail(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    commune = Unit()
    version = serializers.IntegerField()
    record = ChildRecord(allow_null=True, help_text="Thông tin được bảo mật (NĐ 56 Đ33); null: vai trò không được xem.")


class ErrorPointer(serializers.Serializer[Any]):
    pointer = serializers.CharField(help_text="JSON Pointer vào nội dung gửi lên, hoặc /<tham số> của địa chỉ.")
    message = serializers.CharField()


class Error(serializers.Serializer[Any]):
    """api/errors.py's shape, for the schema."""

    detail = serializers.CharField()
    errors = ErrorPointer(many=True)  # type: ignore[assignment]  # a field, declared over the property of the same name


def render(serializer: type[serializers.Serializer[Any]], data: Any) -> Any:
    return serializer(data).data
