"""Account security: login lockout, idle sessions, strong passwords, two-factor codes and the roles that need them."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from childprotect.audit.models import AuditEntry
from devtools.demo import DEFAULT_PASSWORD
from tests.factories import PASSWORD
from tests.support.otp import code, wrong_code

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=HANOI)
REQUIRED = override_settings(CHILDPROTECT_2FA_REQUIRED_ROLES=["supervisor", "admin"])


def login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def traveller():
    with time_machine.travel(MONDAY_8AM, tick=False) as t:
        yield t


@pytest.fixture
def device(officer_a):
    return TOTPDevice.objects.create(user=officer_a, name="Ứng dụng xác thực", confirmed=True)


# --- Lockout ---------------------------------------------------------------------------------------------------------
def test_the_limits_come_from_the_product_settings():
    assert settings.AXES_FAILURE_LIMIT == settings.CHILDPROTECT_LOGIN_FAILURE_LIMIT == 5
    assert (
        settings.AXES_COOLOFF_TIME
        == timedelta(minutes=settings.CHILDPROTECT_LOGIN_COOLOFF_MINUTES)
        == timedelta(minutes=15)
    )
    assert settings.AUTHENTICATION_BACKENDS[0] == "childprotect.accounts.security.LockoutBackend"
    assert "guardian.backends.ObjectPermissionBackend" in settings.AUTHENTICATION_BACKENDS


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, officer_a, traveller):
    for _ in range(4):
        response = login(client, "officer_a", "sai-mật-khẩu")
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    response = login(client, "officer_a", "sai-mật-khẩu")  # the fifth
    assert response.status_code == 429
    response = login(client, "officer_a", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    content = response.content.decode()
    assert "Tạm khoá đăng nhập" in content and 'lang="vi"' in content
    assert "5 lần liên tiếp" in content
    assert "Vui lòng thử lại sau 08:15 ngày 02/03/2026" in content
    assert "liên hệ quản trị hệ thống" in content
    # Audited: the lockout (with the address and the time it ends) and every failed attempt, as before.
    locked = AuditEntry.objects.filter(action="login.locked", object_repr="officer_a")
    assert locked.exists()
    first = locked.earliest("pk")
    assert first.actor is None and first.ip == "127.0.0.1"
    assert first.changes["failures"] == 5 and first.changes["until"].startswith("2026-03-02T08:15")
    assert AuditEntry.objects.filter(action="auth.login_failed", object_repr="officer_a").count() == 6
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_the_lockout_is_for_the_username_and_address_together(client, officer_a, officer_b, traveller):
    for _ in range(5):
        login(client, "officer_a", "sai-mật-khẩu")
    assert login(client, "officer_a", PASSWORD).status_code == 429
    # Another person at the same office, and the same person from another address, still log in.
    assert login(client, "officer_b", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert login(client, "officer_a", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_attempts_during_the_lockout_do_not_extend_it_and_it_ends_after_the_cooloff(client, officer_a, traveller):
    for _ in range(5):
        login(client, "officer_a", "sai-mật-khẩu")
    traveller.shift(timedelta(minutes=10))
    response = login(client, "officer_a", "sai-mật-khẩu")
    assert response.status_code == 429 and "08:15" in response.content.decode()
    traveller.shift(timedelta(minutes=6))  # 08:16
    response = login(client, "officer_a", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_a_successful_login_clears_the_count(client, officer_a, traveller):
    for _ in range(4):
        login(client, "officer_a", "sai-mật-khẩu")
    assert login(client, "officer_a", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert login(client, "officer_a", "sai-mật-khẩu").status_code == 200
    assert login(client, "officer_a", PASSWORD).status_code == 302


def test_the_admin_login_is_watched_too(client, administrator, traveller):
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": "admin", "password": "sai-mật-khẩu"})
    assert response.status_code == 429
    assert client.post(url, {"username": "admin", "password": PASSWORD}).status_code == 429


def test_the_lockout_page_follows_the_language_switch(client, officer_a, traveller):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    for _ in range(5):
        response = login(client, "officer_a", "sai-mật-khẩu")
    assert response.status_code == 429
    assert 'lang="en"' in response.content.decode()


def test_authenticate_without_a_request_still_works(officer_a):
    # Scripts, the shell and the demo check call authenticate() without a request: axes does not watch those.
    from django.contrib.auth import authenticate

    assert authenticate(username="officer_a", password=PASSWORD) == officer_a


# --- Idle sessions ---------------------------------------------------------------------------------------------------
def test_sessions_end_after_thirty_idle_minutes_and_activity_keeps_them_alive(client, officer_a, traveller):
    assert settings.SESSION_COOKIE_AGE == settings.CHILDPROTECT_IDLE_MINUTES * 60 == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert login(client, "officer_a", PASSWORD).status_code == 302
    for _ in range(3):  # 25, 50, 75 minutes after logging in: each request pushes the end back
        traveller.shift(timedelta(minutes=25))
        assert client.get(reverse("home")).status_code == 200
    traveller.shift(timedelta(minutes=31))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_force_login_sessions_expire_too(client, officer_a, traveller):
    client.force_login(officer_a)
    assert client.get(reverse("profile")).status_code == 200
    traveller.shift(timedelta(minutes=29))
    assert client.get(reverse("profile")).status_code == 200
    traveller.shift(timedelta(minutes=31))
    assert client.get(reverse("profile")).status_code == 302


# --- Strong passwords ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("Ab1-xyz", "Mật khẩu này quá ngắn: cần ít nhất 10 ký tự."),
        ("password123", "Mật khẩu này quá phổ biến."),
        ("3141592653589", "Mật khẩu này hoàn toàn là số."),
        ("officer_a_2026", "Mật khẩu quá giống với"),
    ],
)
def test_weak_passwords_are_refused_in_vietnamese(client, officer_a, weak, message):
    client.force_login(officer_a)
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_the_demo_and_test_passwords_are_strong_enough(officer_a):
    validate_password(DEFAULT_PASSWORD, officer_a)
    validate_password(PASSWORD, officer_a)


# --- Two-factor: setting it up ---------------------------------------------------------------------------------------
def test_setting_up_two_factor_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(client, officer_a, traveller):
    client.force_login(officer_a)
    content = client.get(reverse("profile")).content.decode()
    assert "Xác thực hai bước" in content and reverse("two_factor_setup") in content

    response = client.get(reverse("two_factor_setup"))
    assert response.status_code == 200
    content = response.content.decode()
    device = TOTPDevice.objects.get(user=officer_a)
    assert not device.confirmed
    assert "<svg" in content and "https://" not in content.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert response.context["secret"] in content and len(response.context["secret"].replace(" ", "")) == 32
    # The page keeps the same secret on a second visit (the app may already have it).
    assert client.get(reverse("two_factor_setup")).context["secret"] == response.context["secret"]

    response = client.post(reverse("two_factor_setup"), {"token": wrong_code(device)})
    assert response.status_code == 200
    assert "Mã xác thực không đúng" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    traveller.shift(timedelta(seconds=5))  # django-otp's delay after a wrong code
    response = client.post(reverse("two_factor_setup"), {"token": code(device)})
    assert response.status_code == 200 and len(response.context["codes"]) == 10  # the backup codes, shown once
    assert response.context["next"] == reverse("profile")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="account.2fa_enabled", actor=officer_a).count() == 1
    assert AuditEntry.objects.filter(action="auth.2fa_failed", actor=officer_a).count() == 1
    # This session entered the code: it goes on working.
    assert client.get(reverse("home")).status_code == 200
    content = client.get(reverse("profile")).content.decode()
    assert "Đang bật" in content and reverse("two_factor_disable") in content


def test_the_code_must_be_six_digits(client, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("two_factor_setup"), {"token": "12ab"})
    assert "Mã xác thực gồm đúng 6 chữ số." in response.content.decode()


# --- Two-factor: logging in ------------------------------------------------------------------------------------------
def test_login_with_a_device_asks_for_the_code(client, officer_a, device, traveller):
    response = login(client, "officer_a", PASSWORD)
    assert response.status_code == 302
    target = reverse("cases:case_list")
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?{urlencode({'next': target})}"
    response = client.get(response["Location"])
    content = response.content.decode()
    assert response.status_code == 200 and "Xác thực hai bước" in content and "mã 6 chữ số" in content

    response = client.post(reverse("two_factor_verify"), {"token": wrong_code(device), "next": target})
    assert response.status_code == 200 and "Mã xác thực không đúng" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still owes the code

    traveller.shift(timedelta(seconds=5))
    response = client.post(reverse("two_factor_verify"), {"token": code(device), "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert client.get(target).status_code == 200
    assert AuditEntry.objects.filter(action="auth.2fa_verified", actor=officer_a).count() == 1
    assert AuditEntry.objects.filter(action="auth.2fa_failed", actor=officer_a).count() == 1


def test_the_code_page_does_not_redirect_elsewhere(client, officer_a, device, traveller):
    login(client, "officer_a", PASSWORD)
    response = client.post(reverse("two_factor_verify"), {"token": code(device), "next": "https://example.com/"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_used_code_cannot_be_replayed(client, officer_a, device, traveller):
    login(client, "officer_a", PASSWORD)
    token = code(device)
    assert client.post(reverse("two_factor_verify"), {"token": token}).status_code == 302
    client.post(reverse("logout"))
    login(client, "officer_a", PASSWORD)
    response = client.post(reverse("two_factor_verify"), {"token": token})
    assert response.status_code == 200 and "Mã xác thực không đúng" in response.content.decode()


def test_wrong_codes_are_limited(client, officer_a, device, traveller):
    login(client, "officer_a", PASSWORD)
    for _ in range(5):
        response = client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
        assert "Mã xác thực không đúng" in response.content.decode() or "5 lần liên tiếp" in response.content.decode()
        traveller.shift(timedelta(seconds=20))  # past django-otp's growing delay (1, 2, 4, 8 seconds)
    response = client.post(reverse("two_factor_verify"), {"token": code(device)})  # right, but refused
    content = response.content.decode()
    assert response.status_code == 200
    assert "Bạn đã nhập sai mã 5 lần liên tiếp" in content and "liên hệ quản trị hệ thống" in content
    assert client.get(reverse("home")).status_code == 302
    blocked = AuditEntry.objects.filter(action="auth.2fa_failed", actor=officer_a).latest("pk")
    assert blocked.changes["blocked"] is True

    traveller.shift(timedelta(minutes=10))
    response = client.post(reverse("two_factor_verify"), {"token": code(device)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_quick_second_try_is_asked_to_wait(client, officer_a, device, traveller):
    login(client, "officer_a", PASSWORD)
    client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
    response = client.post(reverse("two_factor_verify"), {"token": code(device)})
    assert "Vui lòng đợi một lát rồi thử lại" in response.content.decode()


def test_users_without_a_device_are_not_asked_for_a_code(client, officer_a):
    assert login(client, "officer_a", PASSWORD).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    response = client.get(reverse("two_factor_verify"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_device_removed_by_an_administrator_no_longer_blocks_the_session(client, officer_a, device, traveller):
    login(client, "officer_a", PASSWORD)
    assert client.get(reverse("home")).status_code == 302
    device.delete()  # lost phone: the administrator removed it in the admin
    response = client.get(reverse("two_factor_verify"), {"next": reverse("profile")})
    assert response["Location"] == reverse("profile")
    assert client.get(reverse("home")).status_code == 200


# --- Two-factor: turning it off --------------------------------------------------------------------------------------
def test_turning_two_factor_off_asks_for_a_code(client, officer_a, device, traveller):
    login(client, "officer_a", PASSWORD)
    client.post(reverse("two_factor_verify"), {"token": code(device)})
    traveller.shift(timedelta(seconds=31))  # the next code

    response = client.post(reverse("two_factor_disable"), {"token": wrong_code(device)}, follow=True)
    assert "Mã xác thực không đúng" in response.content.decode()
    assert TOTPDevice.objects.filter(user=officer_a).exists()

    traveller.shift(timedelta(seconds=31))
    response = client.post(reverse("two_factor_disable"), {"token": code(device)}, follow=True)
    assert "Đã tắt xác thực hai bước." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=officer_a).exists()
    assert AuditEntry.objects.filter(action="account.2fa_disabled", actor=officer_a).count() == 1
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    login(client, "officer_a", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


# --- Two-factor: required for some roles -----------------------------------------------------------------------------
@REQUIRED
def test_required_roles_are_sent_to_setup_on_every_page_the_officer_is_not(client, supervisor, officer_a, traveller):
    client.force_login(officer_a)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("cases:case_list")).status_code == 200

    client.force_login(supervisor)
    for name in ("home", "profile", "cases:case_list", "referrals:referral_list", "places:list", "imports"):
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("two_factor_setup") + "?next="), name
    # Logging out, the setup page itself, the language switch and static files stay open.
    response = client.get(reverse("two_factor_setup"), {"next": reverse("cases:case_list")})
    assert response.status_code == 200
    assert "Vai trò của bạn bắt buộc dùng xác thực hai bước" in response.content.decode()
    assert client.post(reverse("set_language"), {"language": "vi", "next": "/"}).status_code == 302

    device = TOTPDevice.objects.get(user=supervisor)
    response = client.post(reverse("two_factor_setup"), {"token": code(device), "next": reverse("cases:case_list")})
    assert response.status_code == 200 and response.context["next"] == reverse("cases:case_list")  # backup codes
    for name in ("home", "profile", "cases:case_list", "referrals:referral_list", "places:list", "imports"):
        assert client.get(reverse(name)).status_code == 200, name

    # Next time: password, then the code.
    client.post(reverse("logout"))
    assert login(client, "supervisor", PASSWORD).status_code == 302
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))
    traveller.shift(timedelta(seconds=31))
    assert client.post(reverse("two_factor_verify"), {"token": code(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


@REQUIRED
def test_the_admin_requires_two_factor_for_administrators(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_setup"))
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor_setup"))
    assert client.post(reverse("logout")).status_code == 302


@REQUIRED
def test_a_required_role_turning_it_off_must_set_it_up_again(client, supervisor, traveller):
    device = TOTPDevice.objects.create(user=supervisor, name="Ứng dụng xác thực", confirmed=True)
    login(client, "supervisor", PASSWORD)
    client.post(reverse("two_factor_verify"), {"token": code(device)})
    traveller.shift(timedelta(seconds=31))
    response = client.post(reverse("two_factor_disable"), {"token": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("two_factor_setup")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


def test_without_the_setting_nobody_is_forced(client, cast):
    assert settings.CHILDPROTECT_2FA_REQUIRED_ROLES == []
    for who in ("supervisor", "admin"):
        client.force_login(cast[who])
        assert client.get(reverse("home")).status_code == 200
