"""How the API's ways of signing in appear in the OpenAPI schema (drf-spectacular): a bearer token, and the session
of the product's own pages. Loaded from ApiConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "api.auth.TokenAuthentication"
    name = "maTruyCap"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "Mã truy cập do quản trị hệ thống cấp cho hệ thống đối tác, hoặc mã của chính người dùng: "
                "`Authorization: Bearer cpk_…`."
            ),
        }


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "api.auth.SessionAuthentication"
    name = "phienDangNhap"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
