"""The API's cast (docs/api.md): Tổng đài 111 (the whole country), the police command of the province of communes A
and B, a client of another province, each with a token; a DRF test client and helpers to call with a token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from api.models import ApiClient, ApiToken, ClientKind
from api.services import client_register, token_issue


@dataclass
class Caller:
    """An API client with one token: `call` sends a request with it."""

    client: ApiClient
    token: ApiToken
    plain: str

    def http(self) -> APIClient:
        http = APIClient()
        http.credentials(HTTP_AUTHORIZATION=f"Bearer {self.plain}")
        return http

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        return getattr(self.http(), method.lower())(path, body, format="json", **headers)


def caller(administrator, name: str, kind: str, scope, **extra: Any) -> Caller:
    client = client_register(actor=administrator, name=name, kind=kind, scope=scope, **extra)
    token, plain = token_issue(actor=administrator, account=client.account, label="thử nghiệm", days=30)
    return Caller(client, token, plain)


@pytest.fixture
def hotline(administrator) -> Caller:
    """Tổng đài 111: sends for the whole country; its webhook is set by the tests that need it."""
    return caller(administrator, "Tổng đài 111", ClientKind.HOTLINE, None)


@pytest.fixture
def police_api(administrator, province) -> Caller:
    """The province's police command: sends for the province of communes A and B only."""
    return caller(administrator, "Công an tỉnh Thanh Hóa", ClientKind.POLICE, province)


@pytest.fixture
def other_province_api(administrator, commune_x) -> Caller:
    """A client whose scope is the other province's commune X: communes A and B are out of its scope."""
    return caller(administrator, "Công an xã X", ClientKind.POLICE, commune_x)
