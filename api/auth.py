"""Who is calling the API: a bearer token (an API client's, or a person's own) or the signed-in session.

A token is recognised by its digest (api/tokens.py); an unknown, expired or revoked token, or one whose account or
client is no longer active, is refused with 401 and a Vietnamese message saying which. The session path is DRF's,
with its CSRF check, for the product's own pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from childprotect.accounts.models import User

from .models import ApiToken, client_of
from .tokens import digest

LAST_USED_STEP = dt.timedelta(minutes=1)  # `last_used_at` is written at most this often per token


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1", "replace").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Tiêu đề Authorization phải có dạng “Bearer <mã truy cập>”.")
        return self.authenticate_token(header[1])

    def authenticate_token(self, token: str) -> tuple[User, ApiToken]:
        found = ApiToken.objects.select_related("account", "account__unit").filter(digest=digest(token)).first()
        if found is None:
            raise exceptions.AuthenticationFailed("Mã truy cập không hợp lệ.")
        now = timezone.now()
        if found.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Mã truy cập đã bị thu hồi.")
        if found.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                f"Mã truy cập đã hết hạn lúc {timezone.localtime(found.expires_at):%H:%M %d/%m/%Y}."
            )
        account = found.account
        if not account.is_active:
            raise exceptions.AuthenticationFailed("Tài khoản gắn với mã truy cập này đã ngừng hoạt động.")
        client = client_of(account)
        if client is not None and not client.is_active:
            raise exceptions.AuthenticationFailed("Hệ thống đối tác này đã bị tạm dừng kết nối.")
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_STEP:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return account, found

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'  # a 401, not a 403, for a missing or refused token


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in person of the product's own pages (CSRF enforced on writes); an inactive account is nobody."""

    def authenticate(self, request: Request) -> Any:
        result = super().authenticate(request)
        if result is not None and not result[0].is_active:
            return None
        return result
