"""Reports in and their status out (docs/api.md#intake, docs/api.md#status): thin views over api.intake."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from childprotect.accounts.models import User

from . import idempotency
from .base import ApiView
from .intake import report_intake, report_of_sender
from .intake_serializers import EXAMPLES, IntakeError, ReportAcceptedOut, ReportIn, ReportStatusOut
from .permissions import MayLogReports, SignedIn
from .status import report_status

IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Tối đa 200 ký tự, do bên gửi chọn cho mỗi báo cáo. Gửi lại cùng mã với cùng nội dung: nhận lại đúng câu "
        "trả lời lần đầu (tiêu đề Idempotent-Replayed: true), không tạo gì thêm; cùng mã với nội dung khác: 409."
    ),
)
ERROR = OpenApiResponse(IntakeError, description="Lỗi (api/errors.py), bằng tiếng Việt.")


TAG = "Tiếp nhận thông tin (hệ thống đối tác)"


class ReportCreate(ApiView):
    permission_classes = [MayLogReports]

    @extend_schema(
        operation_id="reports_create",
        tags=[TAG],
        summary="Gửi một thông tin, thông báo, tố giác (Mẫu 01) cùng các trẻ em",
        request=ReportIn,
        parameters=[IDEMPOTENCY_KEY],
        examples=EXAMPLES,
        responses={
            201: ReportAcceptedOut,
            400: ERROR,
            401: ERROR,
            403: ERROR,
            409: ERROR,
            413: ERROR,
            429: ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        actor = cast(User, request.user)  # MayLogReports let only a signed-in account through

        def work() -> dict[str, Any]:
            body = ReportIn(data=request.data)
            body.is_valid(raise_exception=True)
            report_data, children = body.to_data()
            offline = body.validated_data.get("recorded_offline", False)
            report = report_intake(actor=actor, report=report_data, children=children, entered_offline=offline)
            url = request.build_absolute_uri(reverse("api:report_status", args=[report.reference]))
            return {"reference": report.reference, "status_url": url, "report": report_status(report)}

        return idempotency.once(request, actor, work, location=lambda answer: answer["status_url"])


class ReportStatusView(ApiView):
    permission_classes = [SignedIn]

    @extend_schema(
        operation_id="reports_status",
        tags=[TAG],
        summary="Tình trạng xử lý của một thông tin đã gửi",
        description="Chỉ bên đã gửi thông tin (hệ thống đối tác, hoặc người đã gửi) xem được; không có tên trẻ em.",
        responses={200: ReportStatusOut, 401: ERROR, 404: ERROR, 429: ERROR},
    )
    def get(self, request: Request, reference: str) -> Response:
        report = report_of_sender(cast(User, request.user), reference)  # SignedIn: an account
        if report is None:
            raise Http404
        return Response(report_status(report))
