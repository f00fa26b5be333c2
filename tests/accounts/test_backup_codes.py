"""Two-factor backup codes: shown once at set-up, stored hashed, each good once in place of the app's code, counted
under the same limit as wrong codes, regenerated (the old ones dead) after the password or a code; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from childprotect.accounts.models import BackupCode
from childprotect.accounts.security import backup_code_check, backup_codes_create
from childprotect.audit.models import AuditEntry
from tests.factories import PASSWORD
from tests.support.concurrency import race, race_db
from tests.support.otp import code, wrong_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


@pytest.fixture
def device(officer_a):
    return TOTPDevice.objects.create(user=officer_a, name="Ứng dụng xác thực", confirmed=True)


def _login(client, username="officer_a"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def _verified(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_setup_shows_ten_codes_once_and_stores_only_their_hashes(client, officer_a, clock):
    client.force_login(officer_a)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=officer_a)

    response = client.post(reverse("two_factor_setup"), {"token": code(device)})

    codes = response.context["codes"]
    content = response.content.decode()
    assert len(codes) == 10 and len(set(codes)) == 10 and all(c in content for c in codes)
    assert "chỉ hiển thị một lần" in content
    stored = list(BackupCode.objects.filter(user=officer_a).values_list("code_hash", flat=True))
    assert len(stored) == 10
    for c in codes:
        assert all(c not in h and c.replace("-", "") not in h for h in stored)
    # A second visit shows how many are left, never the codes.
    again = client.get(reverse("two_factor_backup_codes")).content.decode()
    assert "Còn 10 mã dự phòng" in again and not any(c in again for c in codes)
    assert codes[0] not in client.get(reverse("profile")).content.decode()
    entry = AuditEntry.objects.get(action="account.2fa_backup_codes", actor=officer_a)
    assert entry.changes == {"count": 10, "replaced": 0}
    assert not any(c.replace("-", "") in str(e.changes) for e in AuditEntry.objects.all() for c in codes)


def test_a_backup_code_logs_in_once_and_not_twice(client, officer_a, device, clock):
    codes = backup_codes_create(actor=officer_a)
    _login(client)

    response = client.post(reverse("two_factor_verify"), {"token": codes[0].lower()})  # typed in lower case

    assert response.status_code == 302
    assert "Còn 9 mã dự phòng" in client.get(reverse("profile")).content.decode()  # the message, on the next page
    used = AuditEntry.objects.get(action="auth.2fa_backup_code", actor=officer_a)
    assert used.changes == {"left": 9}
    assert BackupCode.objects.filter(user=officer_a, used_at__isnull=False).count() == 1

    client.post(reverse("logout"))
    _login(client)
    clock.shift(timedelta(seconds=30))
    response = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert response.status_code == 200 and "đã được dùng" in response.content.decode()
    assert not _verified(client)
    clock.shift(timedelta(seconds=5))  # django-otp's delay after a wrong code
    assert client.post(reverse("two_factor_verify"), {"token": codes[1]}).status_code == 302
    assert _verified(client)


def test_the_user_is_told_how_many_are_left_and_to_make_new_ones_when_few(client, officer_a, device, settings):
    settings.CHILDPROTECT_2FA_BACKUP_CODES = 3
    codes = backup_codes_create(actor=officer_a)
    _login(client)

    response = client.post(reverse("two_factor_verify"), {"token": codes[2]}, follow=True)

    content = response.content.decode()
    assert "Còn 2 mã dự phòng" in content and "tạo bộ mã mới" in content


def test_wrong_backup_codes_count_toward_the_same_limit(client, officer_a, device, clock):
    codes = backup_codes_create(actor=officer_a)
    _login(client)
    for _ in range(3):
        client.post(reverse("two_factor_verify"), {"token": "ABCDE-FGHJK"})
        clock.shift(timedelta(seconds=20))  # past django-otp's growing delay
    for _ in range(2):
        client.post(reverse("two_factor_verify"), {"token": wrong_code(device)})
        clock.shift(timedelta(seconds=20))

    response = client.post(reverse("two_factor_verify"), {"token": codes[0]})  # right, but refused

    assert response.status_code == 200 and "5 lần liên tiếp" in response.content.decode()
    assert not _verified(client)
    assert not BackupCode.objects.filter(user=officer_a, used_at__isnull=False).exists()  # not spent while blocked
    failures = AuditEntry.objects.filter(action="auth.2fa_failed", actor=officer_a)
    assert failures.filter(changes__purpose="backup_code").count() == 4  # the last one refused while blocked


def test_regenerating_needs_the_password_or_a_code_and_kills_the_old_codes(client, officer_a, device, clock):
    old = backup_codes_create(actor=officer_a)
    client.force_login(officer_a)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()

    refused = client.post(reverse("two_factor_backup_codes"), {"confirmation": "sai-mật-khẩu"})
    assert refused.status_code == 200 and "Mật khẩu không đúng" in refused.content.decode()
    assert refused.context["codes"] is None
    clock.shift(timedelta(seconds=20))

    response = client.post(reverse("two_factor_backup_codes"), {"confirmation": PASSWORD})
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    clock.shift(timedelta(seconds=20))
    again = client.post(reverse("two_factor_backup_codes"), {"confirmation": code(device)}).context["codes"]
    assert len(again) == 10

    assert "không đúng" in (backup_code_check(user=officer_a, device=device, code=old[0]) or "")
    clock.shift(timedelta(seconds=20))
    assert "không đúng" in (backup_code_check(user=officer_a, device=device, code=new[0]) or "")
    clock.shift(timedelta(seconds=20))
    assert backup_code_check(user=officer_a, device=device, code=again[0]) is None
    entries = AuditEntry.objects.filter(action="account.2fa_backup_codes", actor=officer_a).order_by("pk")
    assert [e.changes["replaced"] for e in entries] == [0, 10, 10]


def test_turning_two_factor_off_removes_the_codes(client, officer_a, device):
    backup_codes_create(actor=officer_a)
    client.force_login(officer_a)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    client.post(reverse("two_factor_disable"), {"token": code(device)})
    assert not BackupCode.objects.filter(user=officer_a).exists()


def test_the_codes_page_sends_a_user_without_two_factor_to_the_profile(client, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("two_factor_backup_codes"))
    assert response.status_code == 302 and response["Location"] == reverse("profile")


@race_db
def test_two_uses_of_one_code_at_once_let_only_one_through(officer_a):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the race is PostgreSQL's")
    device = TOTPDevice.objects.create(user=officer_a, name="Ứng dụng xác thực", confirmed=True)
    codes = backup_codes_create(actor=officer_a)

    results = race(*[lambda: backup_code_check(user=officer_a, device=device, code=codes[0])] * 2)

    assert sorted(r is None for r in results) == [False, True], results
    assert BackupCode.objects.filter(user=officer_a, used_at__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="auth.2fa_backup_code", actor=officer_a).count() == 1
