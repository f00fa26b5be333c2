"""Two-factor in Chromium: set it up from the profile with the secret as an app would read it, keep the backup codes
shown once, and log in again with one of them in place of the app's code."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from .journey import Journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _app_code(secret: str) -> str:
    """What an authenticator app shows for the secret typed in (base32, in groups)."""
    text = secret.replace(" ", "")
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    return f"{totp(key, step=30, digits=6):06d}"


def test_an_officer_sets_up_two_factor_and_logs_in_with_a_backup_code(journey: Journey):
    page = journey.page
    journey.login("officer_a")

    journey.step("set up from the profile")
    journey.go("/accounts/me/")
    journey.main.get_by_role("link", name="Thiết lập xác thực hai bước").click()
    secret = page.locator("#totp-secret").inner_text()
    journey.main.get_by_label("Mã xác thực (6 chữ số)").fill(_app_code(secret))
    journey.main.get_by_role("button", name="Bật xác thực hai bước").click()

    journey.step("the backup codes, once")
    expect(journey.main).to_contain_text("chỉ hiển thị một lần")
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    journey.screens("two-factor-backup-codes")
    journey.main.get_by_role("link", name="Tôi đã lưu các mã, tiếp tục").click()
    expect(journey.main).to_contain_text("còn 10 mã chưa dùng")

    journey.step("log in with a backup code")
    journey.logout()
    page.get_by_label("Tên đăng nhập").fill("officer_a")
    page.get_by_label("Mật khẩu").fill(journey.password)
    journey.main.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(journey.url("/accounts/2fa/verify/?next=%2F"))
    journey.main.get_by_label("Mã xác thực (6 chữ số) hoặc mã dự phòng").fill(codes[3].lower())
    journey.main.get_by_role("button", name="Xác nhận").click()
    expect(page).to_have_url(journey.url("/"))
    expect(page.locator("body")).to_contain_text("Còn 9 mã dự phòng")

    assert not journey.server_errors and not journey.console_errors, journey.server_errors + journey.console_errors
