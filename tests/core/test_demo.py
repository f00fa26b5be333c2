from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from childprotect.accounts.models import Role, User
from childprotect.audit.models import AuditEntry
from childprotect.core.demo import ACCOUNTS, DEFAULT_PASSWORD
from referrals.models import Agency


@pytest.mark.django_db
def test_demo_data_gives_every_role_an_account_that_can_log_in(monkeypatch):
    monkeypatch.delenv("CHILDPROTECT_DEMO_PASSWORD", raising=False)
    call_command("loaddemo", verbosity=0)
    assert {u.role for u in User.objects.all()} == set(Role.values)
    for account in ACCOUNTS:
        assert authenticate(username=account.username, password=DEFAULT_PASSWORD) is not None, account.username
    officer_a = User.objects.get(username="officer_a")
    assert officer_a.unit.name == "Phường Hạc Thành" and officer_a.unit.parent.name == "Tỉnh Thanh Hóa"
    assert User.objects.get(username="officer_b").unit.name == "Phường Hàm Rồng"
    assert User.objects.get(username="police").agency.agency_type == "police"
    assert Agency.objects.count() >= 5


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing():
    call_command("loaddemo", verbosity=0)
    before = (User.objects.count(), Agency.objects.count(), AuditEntry.objects.count())
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("loaddemo", verbosity=0)
    assert (User.objects.count(), Agency.objects.count(), AuditEntry.objects.count()) == before
    assert dict(User.objects.values_list("username", "password")) == passwords
