"""The administrators' pages of API clients (api/client_views.py) and a person's own tokens: a token or a webhook key
is shown once, in the answer to the POST that made it, and never kept by a cache."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiClient, ApiToken
from api.services import STALE, token_issue
from api.tokens import digest
from childprotect.audit.models import AuditEntry
from tests.support.api import Caller
from tests.support.pages import client_for, html, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

ME = "/api/v1/me/"
LIST, NEW = reverse("api:client_list"), reverse("api:client_create")


def detail(client: ApiClient) -> str:
    return reverse("api:client_detail", args=[client.pk])


def shown_once(response) -> str:
    """The token or key the page shows once, as the person copies it."""
    match = re.search(r'id="shown-once" type="text" value="([^"]+)"', html(response))
    assert match, "nothing shown once on the page"
    return match.group(1)


def register(web: Client, **extra: str):
    data = {"name": "Công an tỉnh Thanh Hóa", "kind": "police", "scope": "38", "contact": "Phòng PC02, 0237 000"}
    return web.post(NEW, {"rate_limit": "60", **data, **extra})


@pytest.fixture
def admin_web(administrator) -> Client:
    return client_for(administrator)


def test_an_administrator_registers_a_client_with_its_scope(admin_web, province, administrator):
    response = register(admin_web)

    client = ApiClient.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(client)
    assert (client.kind, client.rate_limit, client.contact) == ("police", 60, "Phòng PC02, 0237 000")
    assert client.account.unit == province and not client.account.has_usable_password()
    assert (client.webhook_url, client.webhook_secret) == ("", "")
    assert AuditEntry.objects.filter(action="api.client_create", actor=administrator, object_id=str(client.pk)).exists()
    page = html(admin_web.get(LIST))
    assert "Công an tỉnh Thanh Hóa" in page and "Tỉnh Thanh Hóa (38)" in page and "0 / 0" in page


def test_the_whole_country_is_an_empty_scope_and_a_scope_must_be_of_the_current_list(admin_web):
    assert register(admin_web, name="Tổng đài 111", scope="").status_code == 302
    assert ApiClient.objects.get().account.unit is None

    refused = register(admin_web, name="Hệ thống cũ", scope="2024:38")

    assert refused.status_code == 200
    assert "Phạm vi phải là một đơn vị của danh mục hiện hành (2026)." in html(refused)
    assert ApiClient.objects.count() == 1


def test_registering_with_a_webhook_shows_its_signing_key_once(admin_web):
    response = register(admin_web, webhook_url="https://pc02.example.vn/hooks/childprotect")

    client = ApiClient.objects.get()
    assert response.status_code == 200  # the key is in this answer, not behind a redirect
    assert response["Cache-Control"] == "no-store, private"
    assert shown_once(response) == client.webhook_secret and len(client.webhook_secret) == 64
    assert "Hãy sao chép và cất giữ ngay bây giờ" in html(response)
    assert client.webhook_secret not in html(admin_web.get(detail(client)))
    entry = AuditEntry.objects.get(action="api.webhook_secret")
    assert client.webhook_secret not in str(entry.changes)


def test_a_token_issued_on_the_page_is_shown_once_and_works(admin_web, hotline):
    response = admin_web.post(detail(hotline.client), {"action": "issue", "token-label": "máy chủ", "token-days": "30"})

    plain = shown_once(response)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"
    assert ApiToken.objects.filter(digest=digest(plain), label="máy chủ", account=hotline.client.account).exists()
    again = admin_web.get(detail(hotline.client))
    assert plain not in html(again) and plain[:12] in html(again)  # the list shows its prefix only
    assert "shown-once" not in html(again)
    assert Caller(hotline.client, ApiToken.objects.get(digest=digest(plain)), plain).call("GET", ME).status_code == 200


def test_a_token_longer_than_the_setting_allows_is_refused(admin_web, hotline, settings):
    settings.CHILDPROTECT_API_TOKEN_MAX_DAYS = 90
    before = ApiToken.objects.count()

    response = admin_web.post(detail(hotline.client), {"action": "issue", "token-days": "91"})

    assert response.status_code == 200 and "shown-once" not in html(response)
    assert ApiToken.objects.count() == before


def test_a_token_revoked_on_the_page_is_refused_at_its_next_call(admin_web, police_api):
    assert police_api.call("GET", ME).status_code == 200

    response = admin_web.post(detail(police_api.client), {"action": "revoke", "token": police_api.token.pk})

    assert response.status_code == 302
    assert police_api.call("GET", ME).status_code == 401
    assert AuditEntry.objects.filter(action="api.token_revoke").count() == 1


def test_a_token_of_another_client_cannot_be_revoked_from_this_ones_page(admin_web, police_api, hotline):
    response = admin_web.post(detail(police_api.client), {"action": "revoke", "token": hotline.token.pk})

    assert response.status_code == 404
    assert hotline.call("GET", ME).status_code == 200


def edit(client: ApiClient, version: str, **changes: str) -> dict[str, str]:
    data = {
        "action": "edit",
        "name": client.name,
        "kind": client.kind,
        "scope": client.account.unit.code if client.account.unit else "",
        "contact": client.contact,
        "rate_limit": str(client.rate_limit),
        "webhook_url": client.webhook_url,
        "version": version,
    }
    return data | changes


def test_an_edit_saves_the_scope_on_the_account_and_audits_the_difference(admin_web, police_api, commune_a):
    client = police_api.client
    version = version_on(admin_web.get(detail(client)))

    response = admin_web.post(detail(client), edit(client, version, scope=commune_a.code, rate_limit="30"))

    assert response.status_code == 302
    client.refresh_from_db()
    client.account.refresh_from_db()
    assert (client.rate_limit, client.account.unit, client.version) == (30, commune_a, 2)
    entry = AuditEntry.objects.get(action="api.client_update")
    assert entry.changes == {
        "rate_limit": [120, 30],
        "scope": ["38 Tỉnh Thanh Hóa", f"{commune_a.code} Phường Hạc Thành"],
    }
    assert police_api.call("GET", ME).json()["client"]["scope"]["code"] == commune_a.code


def test_an_edit_from_a_stale_page_is_refused_and_changes_nothing(admin_web, police_api, administrator):
    client = police_api.client
    stale = version_on(admin_web.get(detail(client)))
    admin_web.post(detail(client), edit(client, stale, contact="Đồng chí Lê"))  # someone else saved first

    response = admin_web.post(detail(client), edit(client, stale, rate_limit="5", name="Tên khác"))

    assert response.status_code == 200
    assert STALE in html(response) and "Tên khác" in html(response)  # the input kept
    assert version_on(response) == "2"  # sending again would save over the version now
    client.refresh_from_db()
    assert (client.name, client.rate_limit, client.contact, client.version) == (
        "Công an tỉnh Thanh Hóa",
        120,
        "Đồng chí Lê",
        2,
    )
    assert AuditEntry.objects.filter(action="api.client_update").count() == 1


def test_setting_a_webhook_for_the_first_time_shows_its_key_and_rotating_it_shows_a_new_one(admin_web, police_api):
    client = police_api.client
    version = version_on(admin_web.get(detail(client)))

    first = admin_web.post(detail(client), edit(client, version, webhook_url="https://pc02.example.vn/hook"))
    client.refresh_from_db()
    assert shown_once(first) == client.webhook_secret != ""

    rotated = admin_web.post(detail(client), {"action": "rotate"})
    old = client.webhook_secret
    client.refresh_from_db()
    assert shown_once(rotated) == client.webhook_secret != old
    assert rotated["Cache-Control"] == "no-store, private"
    assert AuditEntry.objects.filter(action="api.webhook_secret").count() == 2


def test_rotating_without_a_webhook_is_refused_in_words(admin_web, police_api):
    response = admin_web.post(detail(police_api.client), {"action": "rotate"}, follow=True)

    assert "chưa có địa chỉ nhận thông báo (webhook)" in html(response)
    assert "shown-once" not in html(response)


def test_pausing_a_client_on_its_page_refuses_its_tokens_until_resumed(admin_web, police_api):
    admin_web.post(detail(police_api.client), {"action": "pause"})
    assert police_api.call("GET", ME).status_code == 401
    assert "Tạm dừng" in html(admin_web.get(LIST))

    admin_web.post(detail(police_api.client), {"action": "resume"})
    assert police_api.call("GET", ME).status_code == 200
    assert list(
        AuditEntry.objects.filter(action="api.client_update").order_by("pk").values_list("changes", flat=True)
    ) == [
        {"is_active": [True, False]},
        {"is_active": [False, True]},
    ]


@pytest.mark.parametrize("role", ["officer_a", "chair_a", "supervisor", "police"])
def test_no_one_but_administrators_reaches_the_pages_of_clients(request, role, police_api):
    web = client_for(request.getfixturevalue(role))
    before = (ApiClient.objects.count(), ApiToken.objects.count(), police_api.client.version)

    statuses = [
        web.get(LIST).status_code,
        web.get(NEW).status_code,
        register(web, name="Hệ thống lạ").status_code,
        web.get(detail(police_api.client)).status_code,
        web.post(detail(police_api.client), {"action": "issue", "token-days": "30"}).status_code,
        web.post(detail(police_api.client), {"action": "revoke", "token": police_api.token.pk}).status_code,
        web.post(detail(police_api.client), {"action": "pause"}).status_code,
    ]

    assert statuses == [404] * 7
    police_api.client.refresh_from_db()
    assert (ApiClient.objects.count(), ApiToken.objects.count(), police_api.client.version) == before
    assert police_api.call("GET", ME).status_code == 200
    assert reverse("api:client_list") not in html(web.get(reverse("home")))  # no way to it in the menu


def test_the_menu_leads_administrators_to_the_clients(admin_web):
    assert f'href="{LIST}"' in html(admin_web.get(reverse("home")))


# --- a person's own tokens -----------------------------------------------------------------------------------------

TOKENS = reverse("api:token_list")


def test_a_person_issues_their_own_token_sees_it_once_and_revokes_it(officer_a):
    web = client_for(officer_a)

    response = web.post(TOKENS, {"action": "issue", "token-label": "máy tính bảng", "token-days": "30"})

    plain = shown_once(response)
    assert response["Cache-Control"] == "no-store, private"
    token = ApiToken.objects.get(digest=digest(plain))
    assert (token.account, token.created_by, token.label) == (officer_a, officer_a, "máy tính bảng")
    listed = html(web.get(TOKENS))
    assert plain not in listed and token.prefix in listed
    assert Caller(None, token, plain).call("GET", ME).json()["person"]["username"] == "officer_a"  # type: ignore[arg-type]

    assert web.post(TOKENS, {"action": "revoke", "token": token.pk}).status_code == 302
    assert Caller(None, token, plain).call("GET", ME).status_code == 401  # type: ignore[arg-type]


def test_a_person_sees_and_revokes_only_their_own_tokens(officer_a, officer_b, police_api):
    theirs, _plain = token_issue(actor=officer_b, account=officer_b, label="của người khác", days=7)
    web = client_for(officer_a)

    page = html(web.get(TOKENS))
    assert theirs.prefix not in page and police_api.token.prefix not in page
    assert web.post(TOKENS, {"action": "revoke", "token": theirs.pk}).status_code == 404
    assert web.post(TOKENS, {"action": "revoke", "token": police_api.token.pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_an_api_clients_account_cannot_sign_in_to_the_web(police_api):
    account = police_api.client.account
    web = Client()

    for password in ("", police_api.plain, "TreEm@2026"):
        response = web.post(reverse("login"), {"username": account.username, "password": password})
        assert response.status_code == 200 and "_auth_user_id" not in web.session

    assert not account.has_usable_password()

    account.set_password("TreEm@2026")  # given one in the admin by mistake: still no way in
    account.save()
    response = web.post(reverse("login"), {"username": account.username, "password": "TreEm@2026"})
    assert response.status_code == 200 and "_auth_user_id" not in web.session
    web.force_login(account)  # a session made for it anyway is nobody's
    assert web.get(reverse("home")).status_code == 302
