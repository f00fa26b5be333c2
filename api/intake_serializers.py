"""What `POST /api/v1/reports/` reads (Mẫu 01 as nested JSON) and answers (docs/api.md#intake).

The serializers check the shape, the types and the vocabularies, in Vietnamese, and turn the body into the services'
ReportData and ChildData; every rule of the report and the children is the services' (cases.services.intake), which
`api.intake.report_intake` maps back onto the body's JSON pointers. A commune is given by its code or its name
(accents and case ignored) among the communes of the current list; a name several communes share is refused with
them and their provinces, unless a province narrows it to one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers
from rest_framework.settings import api_settings

from cases.models import AbuseForm, Environment, ReportType, Sex, SpecialCircumstance, Term, TermKind
from cases.services import ChildData, ReportData
from cases.services.intake import MAU01_TEXT_MAX
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.text import fold, nfc

from .reading.serializers import Unit

REQUIRED = {"required": "Thiếu trường này.", "null": "Trường này không được là null."}
MAX_CHILDREN = 20
MAX_PERPETRATORS = 10
CANDIDATES_SHOWN = 10
COMMUNE_PREFIXES = ("xa", "phuong", "dac khu", "thi tran")  # "Hạc Thành" finds "Phường Hạc Thành"
PROVINCE_PREFIXES = ("tinh", "thanh pho")


def _codes(choices: Any) -> str:
    return ", ".join(str(value) for value, _label in choices)


# --- Fields with Vietnamese messages -------------------------------------------------------------------------------


class Text(serializers.CharField):
    """A JSON string, nothing else (a number is refused, not turned into text); stored in NFC."""

    default_error_messages = {
        **REQUIRED,
        "invalid": "Phải là một chuỗi ký tự.",
        "blank": "Không được để trống.",
        "max_length": "Tối đa {max_length} ký tự.",
        "min_length": "Cần ít nhất {min_length} ký tự.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", not kwargs["required"])
        if not kwargs["required"]:
            kwargs.setdefault("default", "")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return nfc(data)


class Flag(serializers.BooleanField):
    default_error_messages = {**REQUIRED, "invalid": "Phải là true hoặc false."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", False)
        super().__init__(**kwargs)


class Whole(serializers.IntegerField):
    default_error_messages = {
        **REQUIRED,
        "invalid": "Phải là một số nguyên.",
        "max_value": "Không được lớn hơn {max_value}.",
        "min_value": "Không được nhỏ hơn {min_value}.",
        "max_string_length": "Số quá lớn.",
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool | float):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class Day(serializers.DateField):
    default_error_messages = {
        **REQUIRED,
        "invalid": "Ngày phải viết dạng YYYY-MM-DD (ISO 8601), ví dụ 2015-03-05.",
        "datetime": "Cần một ngày, không kèm giờ.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["iso-8601"], **kwargs)


class Moment(serializers.DateTimeField):
    """ISO 8601 with an offset; a time without one is Hà Nội time (Asia/Ho_Chi_Minh, settings.TIME_ZONE)."""

    default_error_messages = {
        **REQUIRED,
        "invalid": "Thời điểm phải viết dạng ISO 8601, ví dụ 2026-11-20T08:30:00+07:00.",
        "date": "Cần cả giờ và phút, không chỉ ngày.",
        "make_aware": "Thời điểm không hợp lệ ở múi giờ {timezone}.",
        "overflow": "Thời điểm nằm ngoài khoảng cho phép.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["iso-8601"], **kwargs)


class Code(serializers.ChoiceField):
    """A code of a list the law fixes; the message names the codes there are."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(choices, **kwargs)
        self.error_messages.update(REQUIRED)
        self.error_messages["invalid_choice"] = f"Mã “{{input}}” không có; dùng một trong: {_codes(choices)}."

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return str(super().to_internal_value(data))


class TermCode(serializers.SlugRelatedField[Term]):
    """A term of a vocabulary the provinces extend (channel, relation, ethnicity), by its code
    (docs/law.md#vocabularies)."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.terms = Term.objects.filter(kind=kind, is_active=True)
        super().__init__(slug_field="code", queryset=self.terms, **kwargs)
        self.error_messages.update(REQUIRED)
        self.error_messages["invalid"] = "Phải là mã (chuỗi ký tự) trong danh mục."

    def to_internal_value(self, data: Any) -> Term:
        if not isinstance(data, str):
            self.fail("invalid")
        code_length = Term._meta.get_field("code").max_length or 0
        # Never a code: refused before the lookup (PostgreSQL refuses a NUL in a query parameter outright).
        term = None if "\x00" in data or len(data) > code_length else self.terms.filter(code=data).first()
        if term is None:
            codes = ", ".join(self.terms.order_by("sort_order").values_list("code", flat=True))
            raise serializers.ValidationError(f"Mã “{data[:40]}” không có trong danh mục; dùng một trong: {codes}.")
        return term


class Many(serializers.ListField):
    default_error_messages = {
        **REQUIRED,
        "not_a_list": "Phải là một danh sách (mảng JSON).",
        "empty": "Danh sách không được rỗng.",
        "min_length": "Cần ít nhất {min_length} mục.",
        "max_length": "Tối đa {max_length} mục.",
    }


class Part(serializers.Serializer[Any]):
    """A JSON object of the body: a field it does not know is refused (a misspelt name would otherwise be lost)."""

    default_error_messages = {**REQUIRED, "invalid": "Phải là một đối tượng JSON."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):  # keyed, or the body's top-level errors could not be a dict
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [self.error_messages["invalid"]]})
        unknown = {key: ["Trường này không có trong mẫu."] for key in data if key not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**unknown, **exc.detail}) from exc  # type: ignore[dict-item]
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# --- Communes by code or name --------------------------------------------------------------------------------------


def _province_code(unit: AdminUnit) -> str:
    return unit.path.split("/")[1]  # "2026/38/14797": the province is the path's first code


def _find_province(text: str) -> AdminUnit:
    provinces = AdminUnit.objects.filter(list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST, level=UnitLevel.PROVINCE)
    text = text.strip()
    if text.isdigit():
        found = provinces.filter(code=text).first()
    else:
        folded = fold(text)
        names = [folded, *(f"{prefix} {folded}" for prefix in PROVINCE_PREFIXES)]
        found = provinces.filter(name_folded__in=names).first()
    if found is None:
        raise serializers.ValidationError({"province": f"Không có tỉnh, thành phố “{text}” trong danh mục hiện hành."})
    return found


def find_commune(text: str, province: str = "") -> AdminUnit:
    """The commune of the current list with this code, or this name (accents, case and its type word optional), within
    `province` (a name or code) when given. ValidationError keyed `commune` or `province`."""
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST
    communes = AdminUnit.objects.filter(list_version=current, level=UnitLevel.COMMUNE)
    text = text.strip()
    within = _find_province(province) if province.strip() else None
    if within is not None:
        communes = communes.filter(path__startswith=within.path + "/")
    if text.isdigit():
        unit = communes.filter(code=text).first()
        if unit is None:
            where = f" thuộc {within.name}" if within is not None else ""
            raise serializers.ValidationError(
                {"commune": f"Không có xã, phường mã {text}{where} trong danh mục {current}."}
            )
        return unit
    folded = fold(text)
    names = [folded, *(f"{prefix} {folded}" for prefix in COMMUNE_PREFIXES)]
    found = list(communes.filter(Q(name_folded__in=names)).order_by("code")[: CANDIDATES_SHOWN + 1])
    if not found:
        where = f" thuộc {within.name}" if within is not None else ""
        raise serializers.ValidationError(
            {"commune": f"Không có xã, phường tên “{text}”{where} trong danh mục {current}; hãy gửi mã xã."}
        )
    if len(found) > 1:
        provinces = dict(
            AdminUnit.objects.filter(
                list_version=current, level=UnitLevel.PROVINCE, code__in={_province_code(u) for u in found}
            ).values_list("code", "name")
        )
        listed = "; ".join(
            f"{u.name} (mã {u.code}, {provinces.get(_province_code(u), '')})" for u in found[:CANDIDATES_SHOWN]
        )
        more = " và các xã khác" if len(found) > CANDIDATES_SHOWN else ""
        raise serializers.ValidationError(
            {
                "commune": f"Có nhiều xã, phường tên “{text}”: {listed}{more}. "
                "Hãy gửi mã xã, hoặc thêm tỉnh, thành phố (province)."
            }
        )
    return found[0]


# --- The body ------------------------------------------------------------------------------------------------------


class ReporterIn(Part):
    """The person who reported. Confidential by default: `anonymous` is true unless the sender says false, and only
    then are a name, telephone and address kept (readable by the commune's caseworkers only, cases.policy)."""

    anonymous = Flag(default=True, help_text="Giấu tên (mặc định: true). Gửi false để ghi họ tên, điện thoại.")
    name = Text(max_length=150)
    phone = Text(max_length=30)
    address = Text(max_length=255)
    relation = Text(max_length=100, help_text="Quan hệ với trẻ em, ví dụ Hàng xóm.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        identity = [name for name in ("name", "phone", "address") if attrs.get(name, "").strip()]
        if attrs["anonymous"] and identity:
            raise serializers.ValidationError(
                {
                    "anonymous": "Người báo tin được giữ kín danh tính (anonymous mặc định là true): muốn ghi họ tên, "
                    'điện thoại, địa chỉ thì gửi kèm "anonymous": false.'
                }
            )
        if not attrs["anonymous"] and not (attrs.get("name", "").strip() or attrs.get("phone", "").strip()):
            raise serializers.ValidationError(
                {"name": "Ghi họ tên hoặc điện thoại người báo tin, hoặc đánh dấu giấu tên."}
            )
        return attrs


class IncidentIn(Part):
    commune = Text(required=True, max_length=150, help_text="Mã xã (ví dụ 14797) hoặc tên (dấu không bắt buộc).")
    province = Text(max_length=100, help_text="Tên hoặc mã tỉnh, thành phố: phân biệt các xã trùng tên.")
    date = Day(required=False, allow_null=True, default=None)
    place = Text(max_length=255)
    description = Text(required=True)
    environment = Code(Environment.choices)
    injury = Flag()
    ongoing_danger = Flag()
    carer_is_perpetrator = Flag()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["unit"] = find_commune(attrs["commune"], attrs.get("province", ""))
        return attrs


class PerpetratorIn(Part):
    name = Text(max_length=150)
    relation = TermCode(TermKind.RELATION, required=False, allow_null=True, default=None)
    sex = Code(Sex.choices, required=False, default=Sex.UNKNOWN)
    approx_age = Whole(required=False, allow_null=True, default=None, min_value=0, max_value=120)
    lives_with_child = Flag()


class ParentIn(Part):
    name = Text(max_length=150)
    age = Whole(required=False, allow_null=True, default=None, min_value=0, max_value=200, help_text="Tuổi (10–120).")
    occupation = Text(max_length=100)


class SituationIn(Part):
    """NĐ 56 Mẫu 01 A.2: what the reporter knows of the child and the family, each optional. Protected data (Đ33):
    read back only by the commune's caseworkers, never in the status or a webhook."""

    age_estimate = Whole(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=200,
        help_text="Ước lượng tuổi của trẻ em khi chưa rõ ngày sinh (0–15).",
    )
    condition = Text(max_length=MAU01_TEXT_MAX, help_text="Tình trạng hiện tại của trẻ em.")
    likely_consequences = Text(
        max_length=MAU01_TEXT_MAX, help_text="Hậu quả có thể xảy ra cho trẻ em nếu không được hỗ trợ, can thiệp."
    )
    father = ParentIn(required=False)
    mother = ParentIn(required=False)
    family_situation = Text(max_length=MAU01_TEXT_MAX, help_text="Hoàn cảnh gia đình.")
    current_carer = Text(max_length=255, help_text="Hiện ai đang chăm sóc trẻ em.")
    prior_actions = Text(
        max_length=MAU01_TEXT_MAX,
        help_text="Những hành động hỗ trợ, can thiệp đã thực hiện đối với trẻ em trước khi nhận thông tin.",
    )

    def to_data(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """The ReportData fields of Mẫu 01 A.2."""
        father, mother = attrs.get("father") or {}, attrs.get("mother") or {}
        return {
            "child_age_estimate": attrs.get("age_estimate"),
            "child_condition": attrs.get("condition", "").strip(),
            "likely_consequences": attrs.get("likely_consequences", "").strip(),
            "father_name": father.get("name", "").strip(),
            "father_age": father.get("age"),
            "father_occupation": father.get("occupation", "").strip(),
            "mother_name": mother.get("name", "").strip(),
            "mother_age": mother.get("age"),
            "mother_occupation": mother.get("occupation", "").strip(),
            "family_situation": attrs.get("family_situation", "").strip(),
            "current_carer": attrs.get("current_carer", "").strip(),
            "prior_actions": attrs.get("prior_actions", "").strip(),
        }


class CarerIn(Part):
    full_name = Text(required=True, max_length=150)
    relation = Text(max_length=60)
    phone = Text(max_length=30)


class ChildIn(Part):
    full_name = Text(required=True, max_length=150)
    other_names = Text(max_length=150)
    sex = Code(Sex.choices)
    date_of_birth = Day(required=False, allow_null=True, default=None)
    birth_year = Whole(required=False, allow_null=True, default=None, min_value=1900)
    birth_year_estimated = Flag()
    ethnicity = TermCode(TermKind.ETHNICITY, required=False, allow_null=True, default=None)
    national_id = Text(max_length=20, help_text="12 chữ số (khoảng trắng được bỏ qua).")
    residence_commune = Text(max_length=150, help_text="Mã hoặc tên xã nơi cư trú; mặc định: xã nơi xảy ra.")
    residence_province = Text(max_length=100)
    address = Text(max_length=255)
    school = Text(max_length=150)
    school_class = Text(max_length=30)
    notes = Text()
    circumstances = Many(child=Code(SpecialCircumstance.choices), required=False, default=list)
    carers = Many(child=CarerIn(), required=False, default=list, max_length=6)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("residence_commune", "").strip():
            try:
                attrs["residence_unit"] = find_commune(attrs["residence_commune"], attrs.get("residence_province", ""))
            except serializers.ValidationError as exc:
                detail = exc.detail if isinstance(exc.detail, dict) else {}
                raise serializers.ValidationError({f"residence_{key}": value for key, value in detail.items()}) from exc
        return attrs


REQUEST_EXAMPLE = {
    "received_at": "2026-11-20T08:30:00+07:00",
    "channel": "hotline_111",
    "report_type": "thong_bao",
    "reporter": {"anonymous": False, "name": "Trần Văn Bình", "phone": "0987654321", "relation": "Hàng xóm"},
    "incident": {
        "commune": "14797",
        "date": "2026-11-19",
        "place": "Nhà riêng, tổ dân phố 3",
        "description": "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối.",
        "environment": "family",
        "injury": True,
        "ongoing_danger": False,
        "carer_is_perpetrator": True,
    },
    "forms": ["violence"],
    "perpetrators": [{"relation": "parent", "sex": "male", "approx_age": 40, "lives_with_child": True}],
    "situation": {
        "condition": "Có vết bầm ở tay, sợ hãi, không muốn về nhà.",
        "likely_consequences": "Bị đánh tiếp, tổn thương nặng hơn về thể chất và tinh thần.",
        "father": {"name": "Vũ Văn Dũng", "age": 40, "occupation": "Lái xe"},
        "mother": {"name": "Lê Thị Hạnh", "age": 36, "occupation": "Làm ruộng"},
        "family_situation": "Cha thường uống rượu; mẹ đi làm xa, về nhà cuối tuần.",
        "current_carer": "Bà ngoại",
        "prior_actions": "Tổ dân phố đã nhắc nhở gia đình một lần.",
    },
    "children": [
        {"full_name": "Vũ Minh Khôi", "sex": "male", "date_of_birth": "2015-03-05", "school": "Tiểu học Hạc Thành"},
        {"full_name": "Nguyễn Thị Bé", "sex": "female", "birth_year": 2019, "birth_year_estimated": True},
    ],
}


class ReportIn(Part):
    received_at = Moment(help_text="Thời điểm tiếp nhận, đến từng phút; không có múi giờ: giờ Việt Nam.")
    channel = TermCode(TermKind.CHANNEL, help_text="Mã kênh tiếp nhận, ví dụ hotline_111, phone, police.")
    report_type = Code(ReportType.choices)
    reporter = ReporterIn(required=False)
    incident = IncidentIn()
    forms = Many(child=Code(AbuseForm.choices), help_text="Mã các hình thức xâm hại (Luật Trẻ em Điều 4 khoản 5).")
    perpetrators = Many(child=PerpetratorIn(), required=False, default=list, max_length=MAX_PERPETRATORS)
    # A report may come without its children (a partner sends the facts; the commune registers the children, whose
    # cases then run their clocks from the time received, as for a typed report).
    children = Many(child=ChildIn(), required=False, default=list, max_length=MAX_CHILDREN)
    situation = SituationIn(required=False)
    recorded_offline = Flag(
        help_text="true: ghi trong ứng dụng ngoại tuyến (/field/); received_at là lúc cán bộ ghi, trang của thông tin "
        "ghi thêm lúc đưa lên hệ thống."
    )

    def to_data(self) -> tuple[ReportData, list[ChildData]]:
        """The services' data: the report (Mẫu 01) and its children in the order sent."""
        c = self.validated_data
        incident, reporter = c["incident"], c.get("reporter") or {"anonymous": True}
        report = ReportData(
            report_type=c["report_type"],
            channel=c["channel"],
            received_at=c["received_at"],
            description=incident["description"].strip(),
            environment=incident["environment"],
            incident_unit=incident["unit"],
            forms=list(c["forms"]),
            incident_date=incident.get("date"),
            incident_place=incident.get("place", ""),
            reporter_anonymous=reporter["anonymous"],
            reporter_name=reporter.get("name", ""),
            reporter_phone=reporter.get("phone", "").strip(),
            reporter_address=reporter.get("address", ""),
            reporter_relation=reporter.get("relation", ""),
            injury=incident.get("injury", False),
            ongoing_danger=incident.get("ongoing_danger", False),
            carer_is_perpetrator=incident.get("carer_is_perpetrator", False),
            perpetrators=[
                {k: p.get(k) for k in ("name", "relation", "sex", "approx_age", "lives_with_child")}
                for p in c.get("perpetrators", [])
            ],
            **SituationIn().to_data(c.get("situation") or {}),
        )
        children = [child_data(child, child.get("residence_unit") or incident["unit"]) for child in c["children"]]
        return report, children


def child_data(child: Mapping[str, Any], residence: AdminUnit) -> ChildData:
    """The services' data of a child of the body (ChildIn's validated data), living in `residence`."""
    return ChildData(
        full_name=child["full_name"],
        other_names=child.get("other_names", ""),
        sex=child["sex"],
        residence_unit=residence,
        date_of_birth=child.get("date_of_birth"),
        birth_year=child.get("birth_year"),
        birth_year_estimated=bool(child.get("birth_year_estimated")) and not child.get("date_of_birth"),
        ethnicity=child.get("ethnicity"),
        national_id="".join(child.get("national_id", "").split()),
        address=child.get("address", ""),
        school=child.get("school", ""),
        school_class=child.get("school_class", ""),
        notes=child.get("notes", "").strip(),
        circumstances=list(child.get("circumstances", [])),
        carers=[dict(carer) for carer in child.get("carers", [])],
    )


EXAMPLES = [OpenApiExample("Một thông báo qua Tổng đài 111, hai trẻ em", value=REQUEST_EXAMPLE, request_only=True)]


# --- The answers ---------------------------------------------------------------------------------------------------


class StepOut(serializers.Serializer[Any]):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field of the answer, not Field.label
    at = serializers.DateTimeField()


class CaseStatusOut(serializers.Serializer[Any]):
    number = serializers.IntegerField(help_text="Số thứ tự của trẻ em, theo thứ tự đã gửi (từ 1).")
    state = serializers.CharField()
    state_label = serializers.CharField()
    last_step = StepOut(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class ReportStatusOut(serializers.Serializer[Any]):
    """api.status.report_status: never a name, an assessment or a plan."""

    reference = serializers.CharField()
    received_at = serializers.DateTimeField()
    commune = Unit()
    status = serializers.CharField()
    status_label = serializers.CharField()
    cases = CaseStatusOut(many=True)


class ReportAcceptedOut(serializers.Serializer[Any]):
    reference = serializers.CharField(help_text="Số tiếp nhận, ví dụ 2026-14797-000123.")
    status_url = serializers.URLField(help_text="GET: tình trạng xử lý của thông tin này.")
    report = ReportStatusOut()


class IntakeErrorItem(serializers.Serializer[Any]):
    pointer = serializers.CharField(help_text="JSON Pointer (RFC 6901) vào nội dung gửi lên.")
    message = serializers.CharField()


class IntakeError(serializers.Serializer[Any]):
    """The one error shape of the API (api/errors.py)."""

    detail = serializers.CharField()
    errors = IntakeErrorItem(many=True)  # type: ignore[assignment]  # a field of the answer, not Serializer.errors
