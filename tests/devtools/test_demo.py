from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from rest_framework.test import APIClient

from api.models import ApiClient
from cases.models import Case, Child, Report
from childprotect.accounts.models import Role, User
from childprotect.agencies.models import Agency
from childprotect.audit.models import AuditEntry
from devtools.demo import ACCOUNTS, DEFAULT_PASSWORD
from referrals.models import Referral


@pytest.mark.django_db
def test_demo_data_gives_every_role_of_a_person_an_account_that_can_log_in(monkeypatch):
    monkeypatch.delenv("CHILDPROTECT_DEMO_PASSWORD", raising=False)
    call_command("loaddemo", verbosity=0)
    people = User.objects.exclude(role=Role.API_CLIENT)  # an API client's account signs in with tokens only
    assert {u.role for u in people} == set(Role.values) - {Role.API_CLIENT}
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


def counts() -> tuple[int, ...]:
    """How many accounts, agencies, children, reports, referrals and audit entries there are."""
    return tuple(model.objects.count() for model in (User, Agency, Child, Report, Referral, AuditEntry))


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing():
    call_command("loaddemo", verbosity=0)
    before = counts()
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("loaddemo", verbosity=0)
    assert counts() == before
    assert dict(User.objects.values_list("username", "password")) == passwords


@pytest.mark.django_db
@pytest.mark.usefixtures("eager_celery")
def test_the_demo_sends_officer_and_chair_a_their_sms_and_zalo_through_make_runs_file_provider(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    """What `make run` does (CHILDPROTECT_SMS_PROVIDER=file, and Zalo's likewise): the demo's officer and chair of
    commune A have verified numbers, so the demo's alerts to them are written under var/messages/, to nobody else."""
    from childprotect.alerts.channels import registry
    from childprotect.alerts.models import Delivery

    settings.VAR_DIR = tmp_path
    settings.CHILDPROTECT_SMS_PROVIDER = settings.CHILDPROTECT_ZALO_PROVIDER = "file"
    registry.adapter.cache_clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("loaddemo", verbosity=0)
    finally:
        registry.adapter.cache_clear()
    by_phone = Delivery.objects.filter(channel__in=["sms", "zalo"])
    assert set(by_phone.values_list("recipient__username", flat=True)) == {"officer_a", "chair_a"}
    assert set(by_phone.values_list("address", flat=True)) == {"+84912000001", "+84912000002"}
    lines = (tmp_path / "messages" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == by_phone.filter(channel="sms", status="sent").count() > 0


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
    from reporting.services import REPORTS
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
    assert REPORTS.refusal(User.objects.get(username="chair_a"), report, BY_ACTION["submit"]) is None
    assert report.results and not report.sent_versions.exists()
    assert PeriodicReport.objects.get(status="approved").sent_versions.count() == 1


# Days on which the demo may be loaded: the 6-month report of 2026 sendable (the day the issue was found), the first
# day a 6-month report may be sent, and the annual report's first day.
LOAD_DAYS = [dt.datetime(2026, 12, 3, 10, 0), dt.datetime(2027, 6, 14, 8, 0), dt.datetime(2027, 12, 20, 15, 30)]


@pytest.mark.django_db
@pytest.mark.parametrize("load_at", LOAD_DAYS, ids=lambda d: f"{d:%Y-%m-%d}")
def test_the_demo_report_that_can_be_sent_today_has_figures_and_children_behind_them(time_machine, load_at):
    from reporting.models import PeriodicReport
    from reporting.periods import latest_sendable_period
    from reporting.selectors import figure_rows

    time_machine.move_to(load_at.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False)
    call_command("loaddemo", verbosity=0)
    period = latest_sendable_period()
    report = PeriodicReport.objects.get(kind=period.kind, year=period.year, unit__name="Phường Hạc Thành")
    assert report.status == "draft" and not report.sent_versions.exists()
    codes = ("R01", "C04", "C02", "S01", "P01", "K01", "K02", "T01")
    totals = {code: report.figures["indicators"][code]["total"] for code in codes}
    assert all(totals.values()), totals
    # The figures are those of the data as loaded: recomputing changes nothing.
    from reporting.services import figures_for

    fresh = figures_for(report.unit, report.period)
    assert {code: fresh["indicators"][code]["total"] for code in totals} == totals
    # The drill-down behind a figure lists the demo's children.
    chair = User.objects.get(username="chair_a")
    names = {case.child.full_name for case in figure_rows(chair, report, "C04")}
    assert {"Nguyễn Văn An", "Phạm Thị Thuỷ"} <= names
    assert {c.child.full_name for c in figure_rows(chair, report, "K01")} == {"Phạm Thị Thuỷ"}
    assert figure_rows(chair, report, "R01").count() == totals["R01"]
    # Commune B's case is in the period too (the province's report sums both).
    start, stop = period.bounds()
    assert Case.objects.filter(
        unit__name="Phường Hàm Rồng", report__received_at__gte=start, report__received_at__lt=stop
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("load_at", LOAD_DAYS, ids=lambda d: f"{d:%Y-%m-%d}")
def test_every_demo_case_step_follows_its_report_and_none_is_in_the_future(time_machine, load_at):
    from django.utils import timezone

    from cases.models import Deadline

    time_machine.move_to(load_at.replace(tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False)
    call_command("loaddemo", verbosity=0)
    now = timezone.now()
    for case in Case.objects.select_related("report", "child"):
        received = case.report.received_at
        steps = list(case.steps.order_by("id").values_list("at", flat=True))
        assert received <= case.opened_at <= now, case.child.full_name
        assert case.child.created_at <= case.opened_at, case.child.full_name
        assert all(received <= at <= now for at in steps), case.child.full_name
        assert steps == sorted(steps), case.child.full_name  # taken in order
        if case.closed_at:
            assert steps and case.closed_at == steps[-1]
        # "Chờ từ" on the home page (the last step, else the opening) is never later than a deadline already missed.
        since = steps[-1] if steps else case.opened_at
        for deadline in Deadline.objects.filter(case=case):
            assert received <= deadline.started_at <= now and deadline.started_at < deadline.due_at
            assert deadline.settled_at is None or deadline.started_at <= deadline.settled_at <= now
            if deadline.status == "open" and deadline.due_at < now:
                assert since <= deadline.due_at, (case.child.full_name, deadline.kind)
    for referral in Referral.objects.select_related("case__report"):
        events = list(referral.events.order_by("id").values_list("at", flat=True))
        assert events == sorted(events) and referral.case.report.received_at <= events[0] and events[-1] <= now
    # The audit log tells the story in the order it happened.
    entries = list(AuditEntry.objects.filter(action__startswith="case.").order_by("id").values_list("at", flat=True))
    assert entries and max(entries) <= now


@pytest.mark.django_db
def test_the_demo_client_is_made_once_and_its_token_printed_once():
    first, second = io.StringIO(), io.StringIO()
    call_command("loaddemo", stdout=first)
    call_command("loaddemo", stdout=second)

    client = ApiClient.objects.get()
    assert client.name == "Tổng đài 111 (dữ liệu mẫu)" and client.account.unit is None
    tokens = re.findall(r"cpk_[A-Za-z0-9_-]{40,}", first.getvalue())
    assert len(set(tokens)) == 1 and "cpk_" not in second.getvalue()
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[0]}")
    assert http.get("/api/v1/me/").json()["client"]["name"] == "Tổng đài 111 (dữ liệu mẫu)"
