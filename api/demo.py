"""The API's part of the demo world (`manage.py loaddemo` loads it after the people): a client for the whole country,
with a token printed once, when the client is made, so that a developer can call the API at once."""

from __future__ import annotations

from django.conf import settings

from childprotect.accounts.models import Role, User

from .models import ApiClient, ClientKind
from .services import client_register, token_issue

DEMO_CLIENT = "Tổng đài 111 (dữ liệu mẫu)"
DEMO_ADMIN = "admin"  # the demo's administrator (devtools.demo.ACCOUNTS) registers it


def demo_client_load() -> list[str]:
    """Register the demo client and issue its token, unless it is there already. Returns the lines to print."""
    if ApiClient.objects.filter(name=DEMO_CLIENT).exists():
        return []
    admin = User.objects.filter(username=DEMO_ADMIN, role=Role.ADMIN, is_active=True).first()
    if admin is None:
        return []
    client = client_register(actor=admin, name=DEMO_CLIENT, kind=ClientKind.HOTLINE, scope=None)
    _token, plain = token_issue(actor=admin, account=client.account, label="dữ liệu mẫu")
    site = settings.CHILDPROTECT_SITE_URL
    return [
        f"Hệ thống đối tác mẫu “{DEMO_CLIENT}” (toàn quốc). Mã truy cập, chỉ in lần này:",
        f"  {plain}",
        f"  curl -H 'Authorization: Bearer {plain}' {site.rstrip('/')}/api/v1/me/",
    ]
