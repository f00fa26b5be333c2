from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from cases.models import Case, Child, Report
from childprotect.accounts.models import Role, User
from childprotect.audit.models import AuditEntry
from childprotect.core.demo import ACCOUNTS, DEFAULT_PASSWORD
from referrals.models import Agency, Referral


@pytest.mark.django_db
def test_demo_data_gives_every_role_an_account_that_can_log_in(monkeypatch):
    monkeypatch.delenv("CHILDPROTECT_DEMO_PASSWORD", raising=False)
    call_command("loaddemo", verbosity=0)
    assert {u.role for u in User.objects.all()} == set(Role.values)
    for account in ACCOUNTS:
        assert authenticate(username=account.username, password=DEFAULT_PASSWORD) is not None, account.username
    officer_a = User.objects.get(username="officer_a")
    assert officer_a.unit is not None and officer_a.unit.parent is not None
    assert officer_a.unit.name == "Phường Hạc Thành" and officer_a.unit.parent.name == "Tỉnh Thanh Hóa"
    assert User.objects.filter(username="officer_b", unit__name="Phường Hàm Rồng").exists()
    assert User.objects.filter(username="police", agency__agency_type="police").exists()
    assert Agency.objects.count() >= 5


@pytest.mark.django_db
def test_demo_children_and_reports_are_spread_over_the_demo_communes():
    call_command("loaddemo", verbosity=0)
    by_commune = {r.incident_unit.code for r in Report.objects.select_related("incident_unit")}
    assert by_commune == {"14797", "14758", "14845"}
    assert Child.objects.count() == 9 and Report.objects.count() == 7
    # Cases stand at several steps of the procedure, one closed; several are past their 12 hours.
    states = set(Case.objects.values_list("state", flat=True))
    assert {"received", "initial_assessed", "plan_drafted", "implementing", "closed"} <= states
    # One report logged by the police partner, with no child identified yet; one by the supervisor for commune C.
    assert Report.objects.filter(received_by__username="police", children__isnull=True).exists()
    assert Child.objects.get(full_name="Lê Thị Hòa").reports.get().abuse_forms.filter(form="sexual_abuse").exists()


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing():
    call_command("loaddemo", verbosity=0)
    before = (
        User.objects.count(),
        Agency.objects.count(),
        Child.objects.count(),
        Report.objects.count(),
        Referral.objects.count(),
        AuditEntry.objects.count(),
    )
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("loaddemo", verbosity=0)
    assert (
        User.objects.count(),
        Agency.objects.count(),
        Child.objects.count(),
        Report.objects.count(),
        Referral.objects.count(),
        AuditEntry.objects.count(),
    ) == before
    assert dict(User.objects.values_list("username", "password")) == passwords


@pytest.mark.django_db
def test_the_demo_referrals_leave_the_police_and_health_partners_an_empty_list():
    from referrals.selectors import referrals_visible_to

    call_command("loaddemo", verbosity=0)
    rows = sorted(Referral.objects.values_list("agency__name", "status", "outcome__code"))
    assert rows == [
        ("Bệnh viện Nhi Thanh Hóa", "completed", "examination"),
        ("Trung tâm Công tác xã hội tỉnh Thanh Hóa", "sent", None),
    ]
    assert Referral.objects.get(status="completed").events.get(action="complete").on_behalf
    for username in ("police", "health"):
        assert not referrals_visible_to(User.objects.get(username=username)).exists()
    assert referrals_visible_to(User.objects.get(username="supervisor")).count() == 2


@pytest.mark.django_db
def test_the_demo_leaves_the_report_that_can_be_sent_today_unsent_and_shows_a_sent_one_on_the_period_before(
    time_machine,
):
    from reporting.models import PeriodicReport
    from reporting.services import step_refusal
    from reporting.workflow import BY_ACTION

    time_machine.move_to(dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False)
    call_command("loaddemo", verbosity=0)
    call_command("loaddemo", verbosity=0)
    rows = sorted(PeriodicReport.objects.values_list("kind", "year", "unit__name", "status"))
    assert rows == [
        ("annual", 2025, "Phường Hàm Rồng", "draft"),
        ("annual", 2025, "Phường Hạc Thành", "approved"),
        ("semiannual", 2026, "Phường Hạc Thành", "draft"),
    ]
    # A new user can run the whole cycle today: chair_a may send commune A's 6-month report of 2026.
    report = PeriodicReport.objects.get(kind="semiannual", year=2026)
    assert step_refusal(User.objects.get(username="chair_a"), report, BY_ACTION["submit"]) is None
    assert report.results and not report.sent_versions.exists()
    assert PeriodicReport.objects.get(status="approved").sent_versions.count() == 1
