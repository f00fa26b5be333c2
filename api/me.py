"""`GET /api/v1/me/`: who is calling (docs/api.md#who-am-i). An integrator's first call, to test its token: the
client and its scope, or the person, and the token used (its prefix and expiry, never the token)."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from childprotect.accounts.models import User
from childprotect.places.models import AdminUnit

from .base import ApiView
from .models import ApiToken, client_of

WHOLE_COUNTRY = "toàn quốc"


class LeveledUnitSerializer(serializers.Serializer[AdminUnit]):
    code = serializers.CharField(help_text="Mã đơn vị hành chính (danh mục hiện hành).")
    name = serializers.CharField()
    level = serializers.CharField(help_text="province, district hoặc commune.")


class ClientPartSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="hotline, police, province hoặc other.")
    kind_label = serializers.CharField()
    scope = LeveledUnitSerializer(allow_null=True, help_text="Phạm vi gửi thông tin; null: toàn quốc.")
    scope_label = serializers.CharField(help_text="Tên phạm vi, hoặc “toàn quốc”.")


class PersonPartSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    unit = LeveledUnitSerializer(allow_null=True)


class TokenPartSerializer(serializers.Serializer[Any]):
    prefix = serializers.CharField(help_text="Các ký tự đầu của mã truy cập, để phân biệt các mã.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field (the metaclass takes it), not Field.label
    expires_at = serializers.DateTimeField()


class MeSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["client", "person"])
    client = ClientPartSerializer(allow_null=True, help_text="Hệ thống đối tác gọi bằng mã của mình; null: một người.")
    person = PersonPartSerializer(allow_null=True, help_text="Người dùng gọi; null: hệ thống đối tác.")
    token = TokenPartSerializer(allow_null=True, help_text="Mã truy cập đã dùng; null: phiên đăng nhập web.")


def _unit(unit: AdminUnit | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name, "level": unit.level} if unit is not None else None


def whoami(user: User, token: ApiToken | None) -> dict[str, Any]:
    client = client_of(user)
    found: dict[str, Any] = {"kind": "client" if client else "person", "client": None, "person": None, "token": None}
    if client is not None:
        scope = user.unit
        found["client"] = {
            "name": client.name,
            "kind": client.kind,
            "kind_label": client.get_kind_display(),
            "scope": _unit(scope),
            "scope_label": scope.name if scope is not None else WHOLE_COUNTRY,
        }
    else:
        found["person"] = {
            "username": user.get_username(),
            "full_name": user.full_name,
            "role": user.role,
            "role_label": user.role_label,
            "unit": _unit(user.unit),
        }
    if token is not None:
        found["token"] = {"prefix": token.prefix, "label": token.label, "expires_at": token.expires_at}
    return found


class MeView(ApiView):
    @extend_schema(
        operation_id="me",
        summary="Ai đang gọi",
        description=(
            "Hệ thống đối tác (tên, loại, phạm vi) hoặc người dùng (tài khoản, vai trò, đơn vị) đang gọi, và mã truy "
            "cập đã dùng (phần đầu, hạn dùng). Dùng để thử mã truy cập."
        ),
        responses={200: MeSerializer},
        tags=["Tài khoản"],
    )
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)  # SignedIn let no one else in
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(MeSerializer(whoami(user, token)).data)
