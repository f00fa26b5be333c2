"""The offline field app's endpoints (docs/api.md#the-field-app): what it needs to work without signal, registering a
child, and taking a step recorded in the field. Persons only (an API client's token: 403), by session or their own
token; the writes go through the web's services with an `Idempotency-Key` (api/idempotency.py), so a retried sync
never writes twice.

A step is the web's: the transition's own form validates `data` (the same messages), `cases.services.case_act` takes
it at the time it was recorded (childprotect/workflow.py `Workflow.act`'s `at`). The three refusals of a step carry a
`code`: `invalid` (fields, at their pointers), `refused` (the workflow's reason), `conflict` (the case changed since
the officer took it offline: 409 with the case as it is now).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors
from cases.casework_forms import ActionForm, LogActivityForm, ReviewForm
from cases.models import (
    HARM_CRITERIA,
    HARM_SCALE,
    MAIN_FORMS,
    RESILIENCE_CRITERIA,
    SEXUAL_SUBTYPES,
    Environment,
    ReportType,
    RiskLevel,
    Sex,
    SpecialCircumstance,
    Term,
    TermKind,
)
from cases.services import CASEWORK, case_act
from cases.services.intake import logging_communes
from cases.workflow import BY_ACTION
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_log_report, can_register_child, works_for_commune
from childprotect.places.models import AdminUnit, UnitLevel

from . import idempotency
from .base import ApiView
from .errors import Conflict, Invalid, Refused
from .intake import child_intake
from .intake_serializers import ChildIn, Moment, Part, Text, Whole, child_data
from .models import ApiToken
from .permissions import PersonOnly
from .reading import serializers as s
from .reading.views import ChildListView, _person, _registry, case_detail, child_detail
from .report_views import IDEMPOTENCY_KEY
from .status import step_label

TAG = "Ứng dụng ghi ngoại tuyến"
# The steps the field app takes; any other is the web's (its forms need what the device does not keep).
FIELD_ACTIONS = ("log_activity", "review")
WEB_ONLY = "Bước này chỉ thực hiện được trên trang web."
CLOCK_SKEW = dt.timedelta(minutes=2)
ERRORS = {400: s.Error, 401: s.Error, 403: s.Error, 404: s.Error, 409: s.Error, 429: s.Error}


# --- the bootstrap: GET /api/v1/field/ -----------------------------------------------------------------------------


def _pairs(choices: Any) -> list[dict[str, str]]:
    return [{"code": str(code), "label": str(label)} for code, label in choices]


def _kind(field: forms.Field) -> str:
    if isinstance(field, forms.BooleanField):
        return "bool"
    if isinstance(field, forms.DateField):
        return "date"
    return "text"


def _fields(form: type[forms.Form], names: list[str]) -> list[dict[str, Any]]:
    """The form's fields as the app draws them: name, label, type, required, and the longest text if any."""
    found = []
    for name in names:
        field = form.base_fields[name]
        found.append(
            {
                "name": name,
                "label": str(field.label or name),
                "type": _kind(field),
                "required": field.required,
                "max_length": getattr(field, "max_length", None),
            }
        )
    return found


def _communes(user: User) -> list[dict[str, str]]:
    """The communes `user` may log a report for (cases.services.intake `logging_communes`), with their province."""
    communes = logging_communes(user)
    rows = list(communes.order_by("name", "code").values_list("code", "name", "path"))
    provinces = dict(
        AdminUnit.objects.filter(
            list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST,
            level=UnitLevel.PROVINCE,
            code__in={path.split("/")[1] for _code, _name, path in rows},
        ).values_list("code", "name")
    )
    return [
        {"code": code, "name": name, "province": provinces.get(path.split("/")[1], "")} for code, name, path in rows
    ]


def bootstrap(user: User, csrf: str | None) -> dict[str, Any]:
    terms: dict[str, list[dict[str, str]]] = {TermKind.CHANNEL: [], TermKind.RELATION: [], TermKind.ETHNICITY: []}
    for term in Term.objects.filter(kind__in=list(terms), is_active=True):  # the web forms' choices, in their order
        terms[term.kind].append({"code": term.code, "label": term.label})
    unit = user.unit
    rated = {name for name, _label in (*HARM_CRITERIA, *RESILIENCE_CRITERIA)}
    return {
        "user": {
            "username": user.get_username(),
            "full_name": user.full_name,
            "role": user.role,
            "role_label": user.role_label,
            "unit": {"code": unit.code, "name": unit.name} if unit is not None else None,
        },
        "may": {
            "log_report": can_log_report(user),
            "register_child": can_register_child(user),
            "casework": any(user.role in BY_ACTION[action].roles for action in FIELD_ACTIONS),
        },
        "settings": {
            "wipe_days": settings.CHILDPROTECT_OFFLINE_WIPE_DAYS,
            "pin_attempts": settings.CHILDPROTECT_OFFLINE_PIN_ATTEMPTS,
            "recorded_max_days": settings.CHILDPROTECT_OFFLINE_RECORDED_MAX_DAYS,
        },
        "communes": _communes(user),
        "vocab": {
            "channels": terms[TermKind.CHANNEL],
            "report_types": _pairs(ReportType.choices),
            "environments": _pairs(Environment.choices),
            "forms": _pairs([*MAIN_FORMS, *SEXUAL_SUBTYPES]),
            "relations": terms[TermKind.RELATION],
            "sexes": _pairs(Sex.choices),
            "ethnicities": terms[TermKind.ETHNICITY],
            "circumstances": _pairs(SpecialCircumstance.choices),
            "ratings": _pairs(RiskLevel.choices),
        },
        "review": {
            "harm": [
                {"name": name, "label": str(label), "scale": dict(HARM_SCALE[name])} for name, label in HARM_CRITERIA
            ],
            "resilience": [{"name": name, "label": str(label)} for name, label in RESILIENCE_CRITERIA],
            "fields": [
                {k: v for k, v in f.items() if k != "max_length"}
                for f in _fields(ReviewForm, [n for n in ReviewForm.base_fields if n not in rated and n != "version"])
            ],
        },
        "activity": {"fields": _fields(LogActivityForm, [n for n in LogActivityForm.base_fields if n != "version"])},
        "csrf": csrf,
    }


class FieldUser(serializers.Serializer[Any]):
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    unit = s.Unit(allow_null=True)


class FieldMay(serializers.Serializer[Any]):
    log_report = serializers.BooleanField()
    register_child = serializers.BooleanField()
    casework = serializers.BooleanField(help_text="Ghi kết quả thực hiện kế hoạch, rà soát (Mẫu 06).")


class FieldSettings(serializers.Serializer[Any]):
    wipe_days = serializers.IntegerField(help_text="Số ngày không đồng bộ thì xoá dữ liệu trên máy.")
    pin_attempts = serializers.IntegerField(help_text="Số lần nhập sai mã PIN liên tiếp thì xoá dữ liệu trên máy.")
    recorded_max_days = serializers.IntegerField(help_text="Bước ghi ngoại tuyến cũ hơn số ngày này bị từ chối.")


class FieldCommune(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    province = serializers.CharField()


class FieldVocab(serializers.Serializer[Any]):
    channels = s.Coded(many=True)
    report_types = s.Coded(many=True)
    environments = s.Coded(many=True)
    forms = s.Coded(many=True)
    relations = s.Coded(many=True)
    sexes = s.Coded(many=True)
    ethnicities = s.Coded(many=True)
    circumstances = s.Coded(many=True)
    ratings = s.Coded(many=True)


class FormField(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label
    type = serializers.ChoiceField(choices=["text", "bool", "date"])
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field, over Field.required


class ActivityField(FormField):
    max_length = serializers.IntegerField(allow_null=True)


class Criterion(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label


class HarmCriterion(Criterion):
    scale = serializers.DictField(child=serializers.CharField(), help_text="Ý nghĩa của từng mức: high, medium, low.")


class FieldReview(serializers.Serializer[Any]):
    harm = HarmCriterion(many=True)
    resilience = Criterion(many=True)
    fields = FormField(many=True)  # type: ignore[assignment]  # a field, over Serializer.fields


class FieldActivity(serializers.Serializer[Any]):
    fields = ActivityField(many=True)  # type: ignore[assignment]  # a field, over Serializer.fields


class FieldBootstrap(serializers.Serializer[Any]):
    user = FieldUser()
    may = FieldMay()
    settings = FieldSettings()
    communes = FieldCommune(many=True)
    vocab = FieldVocab()
    review = FieldReview()
    activity = FieldActivity()
    csrf = serializers.CharField(
        allow_null=True, help_text="Mã CSRF của phiên đăng nhập; null khi gọi bằng mã truy cập."
    )


class FieldView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="field",
        summary="Những gì ứng dụng ghi ngoại tuyến cần",
        description=(
            "Người dùng, việc được làm, các thiết lập của máy, các xã được tiếp nhận thông tin, các danh mục và biểu "
            "mẫu (như trên web), và mã CSRF mới cho phiên đăng nhập. Không lưu vào bộ nhớ đệm (no-store)."
        ),
        responses={200: FieldBootstrap, 401: s.Error, 403: s.Error, 429: s.Error},
    )
    def get(self, request: Request) -> Response:
        user = _person(request)
        csrf = None if isinstance(request.auth, ApiToken) else get_token(request)
        answer = Response(s.render(FieldBootstrap, bootstrap(user, csrf)))
        answer["Cache-Control"] = "no-store"
        return answer


# --- a child: POST /api/v1/children/ -------------------------------------------------------------------------------


class ChildCreated(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="Trang của trẻ em trên web.")
    child = s.ChildDetail()


class ChildListCreate(ChildListView):
    """The children's list (GET, api/reading/views.py), and registering one (POST): the web's child registration."""

    @extend_schema(
        tags=[TAG],
        operation_id="children_create",
        summary="Đăng ký một trẻ em",
        description=(
            "Như trang đăng ký trẻ em trên web: vai trò được đăng ký, nơi cư trú trong địa bàn phụ trách (mặc định: "
            "xã của cán bộ xã). Idempotency-Key như khi gửi thông tin."
        ),
        request=ChildIn,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ChildCreated, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        user = _person(request)
        _registry(user)
        if not can_register_child(user):
            raise PermissionDenied("Vai trò của bạn không đăng ký trẻ em.")

        def work() -> dict[str, Any]:
            body = ChildIn(data=request.data)
            body.is_valid(raise_exception=True)
            attrs = body.validated_data
            residence = attrs.get("residence_unit") or (user.unit if works_for_commune(user) else None)
            if residence is None:
                raise serializers.ValidationError({"residence_commune": ["Cần chọn xã, phường nơi cư trú."]})
            child = child_intake(actor=user, data=child_data(attrs, residence))
            child = selectors.child_get_for(user, child.pk)
            return {
                "id": child.pk,
                "url": request.build_absolute_uri(reverse("cases:child_detail", args=[child.pk])),
                "child": child_detail(user, child, record_view=False),
            }

        return idempotency.once(request, user, work)


# --- a step: POST /api/v1/cases/<id>/steps/ ------------------------------------------------------------------------


class StepData(serializers.DictField):
    default_error_messages = {
        "required": "Thiếu trường này.",
        "null": "Trường này không được là null.",
        "not_a_dict": "Phải là một đối tượng JSON.",
    }


class StepIn(Part):
    action = Text(required=True, max_length=40, help_text="log_activity hoặc review.")
    version = Whole(min_value=0, help_text="Phiên bản (version) của hồ sơ khi mang theo.")
    recorded_at = Moment(
        required=False, allow_null=True, default=None, help_text="Lúc cán bộ ghi bước này; mặc định: bây giờ."
    )
    data = StepData(  # type: ignore[assignment]  # a field, over Serializer.data
        help_text="Các trường của biểu mẫu trên web (LogActivityForm, ReviewForm), cùng tên."
    )

    def validate_action(self, value: str) -> str:
        if value not in FIELD_ACTIONS:
            raise serializers.ValidationError(WEB_ONLY)
        return value

    def validate_recorded_at(self, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        now = timezone.now()
        if value > now + CLOCK_SKEW:
            raise serializers.ValidationError("Thời điểm ghi không thể ở tương lai; hãy kiểm tra đồng hồ của máy.")
        days = settings.CHILDPROTECT_OFFLINE_RECORDED_MAX_DAYS
        if value < now - dt.timedelta(days=days):
            raise serializers.ValidationError(
                f"Chỉ nhận các bước ghi trong {days} ngày gần đây; bước này ghi lúc "
                f"{timezone.localtime(value):%H:%M %d/%m/%Y}. Hãy ghi lại trên trang web."
            )
        return value


class StepTaken(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, over Field.label
    at = serializers.DateTimeField(help_text="Thời điểm của bước: các hạn tính theo thời điểm này.")
    recorded_at = serializers.DateTimeField()
    synced_at = serializers.DateTimeField()
    offline = serializers.BooleanField()


class StepAnswer(serializers.Serializer[Any]):
    step = StepTaken()
    case = s.CaseDetail()


def _stale(case: Any, version: int) -> Conflict:
    case.refresh_from_db(fields=["version"])
    return Conflict(
        f"Hồ sơ đã thay đổi trên máy chủ từ khi bạn mang theo (phiên bản {version}, nay là {case.version}). "
        "Hãy xem hai bản cạnh nhau rồi chọn."
    )


def _data_errors(exc: ValidationError) -> Invalid:
    if hasattr(exc, "error_dict"):
        return Invalid({"data": {field: messages for field, messages in exc.message_dict.items()}})
    return Invalid({"data": exc.messages})


class CaseStepView(ApiView):
    permission_classes = [PersonOnly]

    @extend_schema(
        tags=[TAG],
        operation_id="case_steps_create",
        summary="Ghi một bước đã làm ngoài hiện trường",
        description=(
            "Ghi kết quả thực hiện kế hoạch (log_activity) hoặc rà soát Mẫu 06 (review) như trên web, vào lúc cán bộ "
            "đã ghi (recorded_at). 409 (code conflict) kèm hồ sơ hiện tại khi version đã khác; 400 code refused "
            "khi quy trình không cho phép; 404 khi hồ sơ không còn trong phạm vi."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=StepIn,
        responses={
            201: StepAnswer,
            **ERRORS,
            409: OpenApiResponse(s.Error, description="code conflict; case: hồ sơ như hiện nay."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        user = _person(request)
        _registry(user)
        case = selectors.case_get_for(user, pk)

        def work() -> dict[str, Any]:
            body = StepIn(data=request.data)
            if not body.is_valid():
                raise Invalid(body.errors)
            attrs = body.validated_data
            action, version = attrs["action"], attrs["version"]
            transition = BY_ACTION[action]
            if version != case.version:
                raise _stale(case, version)
            refusal = CASEWORK.refusal(user, case, transition)
            if refusal:
                raise Refused(refusal)
            form = transition.form({**attrs["data"], "version": version})
            assert isinstance(form, ActionForm)  # every step's form  # noqa: S101
            if not form.is_valid():
                raise Invalid({"data": {k: [str(m) for m in v] for k, v in form.errors.items()}})
            recorded = attrs["recorded_at"] or timezone.now()
            try:
                step = case_act(actor=user, case=case, action=action, version=version, data=form.record(), at=recorded)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "stale":
                    raise _stale(case, version) from exc
                if hasattr(exc, "error_dict"):
                    raise _data_errors(exc) from exc
                raise Refused(" ".join(exc.messages)) from exc
            offline = step.record.get("offline", {})
            return {
                "step": s.render(
                    StepTaken,
                    {
                        "id": step.pk,
                        "action": step.action,
                        "label": step_label(step.action),
                        "at": step.at,
                        "recorded_at": dt.datetime.fromisoformat(offline["recorded_at"]),
                        "synced_at": dt.datetime.fromisoformat(offline["synced_at"]),
                        "offline": True,
                    },
                ),
                "case": case_detail(user, selectors.case_get_for(user, case.pk), record_view=False),
            }

        try:
            return idempotency.once(request, user, work)
        except Conflict as exc:
            # Outside the rolled-back transaction: showing the case now is a read, recorded as the GET records it.
            exc.extra["case"] = case_detail(user, selectors.case_get_for(user, pk), record_view=True)
            raise
