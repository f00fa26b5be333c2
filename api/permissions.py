"""Who may call at all: a signed-in person or a token's account. What each may read is the selectors' (404 out of
reach, as on the web)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from childprotect.accounts.policy import can_log_report, is_system_account


class SignedIn(permissions.BasePermission):
    message = "Cần đăng nhập hoặc gửi kèm mã truy cập hợp lệ (Authorization: Bearer …)."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class PersonOnly(SignedIn):
    """Endpoints for people (the work queue, cases, children): an API client's token reaches none of it."""

    message = "Mã truy cập của hệ thống đối tác không dùng được cho chức năng này."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and not is_system_account(request.user)


class ClientOnly(SignedIn):
    """Endpoints for other systems (report intake and its status): an API client's token only."""

    message = "Chức năng này dành cho hệ thống đối tác, dùng mã truy cập do quản trị hệ thống cấp."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and is_system_account(request.user)


class MayLogReports(SignedIn):
    """Report intake: an API client (within its scope) or a person whose role logs reports (the field app); where
    each may log is the intake service's (cases.services.intake.logging_reach)."""

    message = "Vai trò của bạn không tiếp nhận thông tin, thông báo, tố giác."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and can_log_report(request.user)
