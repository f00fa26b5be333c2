"""Who may call the API, over HTTP against GET /api/v1/me/ (api/auth.py): a client's token, a person's own token, the
signed-in session; every refusal a 401 in the one error shape (api/errors.py), saying in Vietnamese what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import client_set_active, token_issue, token_revoke
from childprotect.accounts.models import User
from tests.support.clock import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

ME = "/api/v1/me/"


def refused(response, message: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": message, "errors": []}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def with_header(value: str):
    return APIClient().get(ME, HTTP_AUTHORIZATION=value)


def test_reverse_names_the_endpoint():
    assert reverse("api:me") == ME


def test_a_clients_token_says_which_client_calls_and_its_scope(police_api, province):
    response = police_api.call("GET", ME)

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "client" and body["person"] is None
    assert body["client"] == {
        "name": "Công an tỉnh Thanh Hóa",
        "kind": "police",
        "kind_label": "Cơ quan công an",
        "scope": {"code": province.code, "name": "Tỉnh Thanh Hóa", "level": "province"},
        "scope_label": "Tỉnh Thanh Hóa",
    }
    assert body["token"]["prefix"] == police_api.token.prefix == police_api.plain[:12]
    assert body["token"]["label"] == "thử nghiệm"
    assert dt.datetime.fromisoformat(body["token"]["expires_at"]) == NOW + dt.timedelta(days=30)
    assert police_api.plain not in response.content.decode()


def test_a_client_of_the_whole_country_says_so(hotline):
    client = hotline.call("GET", ME).json()["client"]

    assert client["scope"] is None and client["scope_label"] == "toàn quốc"


def test_a_persons_own_token_says_who_they_are(officer_a, commune_a):
    token, plain = token_issue(actor=officer_a, account=officer_a, label="ứng dụng ngoại tuyến", days=7)

    response = with_header(f"Bearer {plain}")

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "person" and body["client"] is None
    assert body["person"] == {
        "username": "officer_a",
        "full_name": "Nguyễn Thị Hoà",
        "role": "commune_officer",
        "role_label": "Cán bộ phụ trách bảo vệ trẻ em cấp xã",
        "unit": {"code": commune_a.code, "name": "Phường Hạc Thành", "level": "commune"},
    }
    assert body["token"]["prefix"] == token.prefix


def test_the_signed_in_session_is_a_person_without_a_token(supervisor):
    web = Client()
    web.force_login(supervisor)

    body = web.get(ME).json()

    assert body["kind"] == "person" and body["person"]["username"] == "supervisor" and body["token"] is None


def test_no_header_is_refused_with_how_to_send_one():
    refused(APIClient().get(ME), "Cần đăng nhập hoặc gửi kèm mã truy cập hợp lệ (Authorization: Bearer …).")


@pytest.mark.parametrize("header", ["Bearer", "Bearer cpk_a cpk_b"])
def test_a_malformed_header_is_refused(header):
    refused(with_header(header), "Tiêu đề Authorization phải có dạng “Bearer <mã truy cập>”.")


def test_an_unknown_token_is_refused(police_api):
    refused(with_header(f"Bearer {police_api.plain}x"), "Mã truy cập không hợp lệ.")


def test_an_expired_token_is_refused_saying_when_it_expired(police_api, clock):
    clock.move_to(NOW + dt.timedelta(days=30))  # the instant it expires

    refused(police_api.call("GET", ME), "Mã truy cập đã hết hạn lúc 09:00 20/12/2026.")


def test_a_revoked_token_is_refused(police_api, administrator):
    token_revoke(actor=administrator, token=police_api.token)

    refused(police_api.call("GET", ME), "Mã truy cập đã bị thu hồi.")


def test_a_token_of_an_inactive_account_is_refused(officer_a, police_api):
    _token, plain = token_issue(actor=officer_a, account=officer_a, days=7)
    User.objects.filter(pk__in=[officer_a.pk, police_api.client.account_id]).update(is_active=False)

    for response in (with_header(f"Bearer {plain}"), police_api.call("GET", ME)):
        refused(response, "Tài khoản gắn với mã truy cập này đã ngừng hoạt động.")


def test_a_paused_clients_tokens_are_refused_until_it_is_resumed(police_api, administrator):
    client_set_active(actor=administrator, client=police_api.client, active=False)
    refused(police_api.call("GET", ME), "Hệ thống đối tác này đã bị tạm dừng kết nối.")

    client_set_active(actor=administrator, client=police_api.client, active=True)
    assert police_api.call("GET", ME).status_code == 200


def test_an_inactive_persons_session_is_nobody(officer_a):
    web = Client()
    web.force_login(officer_a)
    User.objects.filter(pk=officer_a.pk).update(is_active=False)

    assert web.get(ME).status_code == 401
