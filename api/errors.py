"""Every API error as one JSON shape, in Vietnamese (docs/api.md#errors):

    {"detail": "<what went wrong>", "errors": [{"pointer": "/children/0/date_of_birth", "message": "..."}]}

`pointer` is a JSON Pointer (RFC 6901) into the request body, "" for the body as a whole. A service's Django
ValidationError ({field: message}) and DRF's serializer errors (nested dicts and lists) become the same list. A
record out of reach is a 404 with the same words as a record that does not exist.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NOT_FOUND = "Không tìm thấy, hoặc bạn không có quyền xem."
INVALID = "Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi."
# DRF's own words where its Vietnamese catalogue has none (its default detail, raised by DRF itself).
IN_VIETNAMESE: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "Cần đăng nhập hoặc gửi kèm mã truy cập hợp lệ (Authorization: Bearer …).",
    exceptions.AuthenticationFailed: "Mã truy cập không hợp lệ.",
    exceptions.PermissionDenied: "Bạn không có quyền thực hiện việc này.",
    exceptions.ParseError: "Nội dung gửi lên không đọc được.",
    exceptions.NotAcceptable: "Chỉ trả lời được dạng application/json.",
    exceptions.UnsupportedMediaType: "Nội dung gửi lên phải là JSON (Content-Type: application/json).",
}
# Words DRF writes as literals, outside any catalogue (a serializer given JSON null).
LITERALS = {"No data provided": "Không có nội dung gửi lên (JSON null)."}


class Coded:
    """An error whose answer also carries a `"code"` (the field app's refusals, docs/api.md#the-field-app) and, with
    `extra`, more members (a conflict's `"case"`)."""

    api_code = ""
    extra: dict[str, Any]


class Invalid(Coded, exceptions.ValidationError):
    """Fields refused (400, `"code": "invalid"`), at their pointers."""

    api_code = "invalid"

    def __init__(self, detail: Any) -> None:
        super().__init__(detail)
        self.extra = {}


class Refused(Coded, exceptions.APIException):
    """The workflow refuses the step as the record stands (400, `"code": "refused"`): the role, the state, a rule."""

    status_code = status.HTTP_400_BAD_REQUEST
    api_code = "refused"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.extra = {}


class Conflict(Coded, exceptions.APIException):
    """The record changed since the caller read it (409, `"code": "conflict"`); `extra` says how it stands now."""

    status_code = status.HTTP_409_CONFLICT
    api_code = "conflict"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.extra = extra


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def pointers(detail: Any, at: str = "") -> list[dict[str, str]]:
    """The (pointer, message) pairs of a DRF error detail: a dict by field, a list by position or of messages."""
    if isinstance(detail, dict):
        found: list[dict[str, str]] = []
        for key, value in detail.items():
            where = at if key in ("non_field_errors", "__all__") else f"{at}/{_escape(str(key))}"
            found += pointers(value, where)
        return found
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"pointer": at, "message": LITERALS.get(str(item), str(item))} for item in detail]
        found = []
        for index, item in enumerate(detail):
            found += pointers(item, f"{at}/{index}") if item else []
        return found
    return [{"pointer": at, "message": LITERALS.get(str(detail), str(detail))}]


def django_detail(exc: DjangoValidationError) -> Any:
    """A service's ValidationError as DRF detail: by field when it has fields."""
    return exc.message_dict if hasattr(exc, "error_dict") else exc.messages


def error_response(code: int, message: str, errors: list[dict[str, str]] | None = None) -> Response:
    return Response({"detail": message, "errors": errors or []}, status=code)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = pointers(exc.detail)
        message = errors[0]["message"] if len(errors) == 1 else INVALID
        response.data = {"detail": message, "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.NotFound):
        response.data = {"detail": NOT_FOUND, "errors": []}
    else:
        response.data = {"detail": _in_vietnamese(exc), "errors": []}
    if isinstance(exc, Coded):
        response.data = {**response.data, "code": exc.api_code, **exc.extra}
    return response


def _in_vietnamese(exc: Exception) -> str:
    if isinstance(exc, exceptions.Throttled):
        return f"Quá số yêu cầu cho phép mỗi phút; hãy thử lại sau {math.ceil(getattr(exc, 'wait', None) or 1)} giây."
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return IN_VIETNAMESE[exceptions.UnsupportedMediaType]
    detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
    for kind, words in IN_VIETNAMESE.items():
        if type(exc) is kind and detail == str(kind.default_detail):
            return words
    return detail
