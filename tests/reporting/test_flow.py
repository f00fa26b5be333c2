"""Periodic reports through the services: figures equal an independent count, the period's edges, the flow
(prepare, submit, approve, return, recompute), frozen snapshots, province aggregation, reminders, query counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cases.models import Case
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from reporting import indicators
from reporting.models import PeriodicReport, ReportStatus
from reporting.periods import current_period, last_closed_period, period_for
from reporting.services import due_reminders_scan, report_prepare
from tests.support.builders import SEMI
from tests.support.builders import act as case_step
from tests.support.builders import report_step as act
from tests.support.clock import JUNE, TZ

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery"), pytest.mark.clock_at(JUNE)]
S = ReportStatus


def by(figures: dict, code: str, dim: str) -> dict:
    return {label: n for _key, label, n in figures["indicators"][code]["by"].get(dim, [])}


# --- periods -------------------------------------------------------------------------------------------------------


def test_periods_follow_the_settings():
    semi, annual = period_for("semiannual", 2026), period_for("annual", 2026)

    assert (semi.start, semi.end, semi.due) == (dt.date(2025, 12, 15), dt.date(2026, 6, 14), dt.date(2026, 6, 15))
    assert (annual.start, annual.end, annual.due) == (
        dt.date(2025, 12, 15),
        dt.date(2026, 12, 14),
        dt.date(2026, 12, 15),
    )
    assert current_period("semiannual", dt.date(2026, 6, 15)).year == 2026
    assert current_period("semiannual", dt.date(2026, 6, 16)).year == 2027
    assert last_closed_period("annual", dt.date(2026, 11, 23)).year == 2025
    assert semi.label == "6 tháng đầu năm 2026" and annual.label == "năm 2026"


def test_periods_are_settings(settings):
    settings.CHILDPROTECT_REPORT_PERIODS = {**settings.CHILDPROTECT_REPORT_PERIODS}
    settings.CHILDPROTECT_REPORT_PERIODS["semiannual"] = {"start": "01-01", "end": "06-30", "due": "07-10"}

    p = period_for("semiannual", 2026)

    assert (p.start, p.end, p.due) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 10))


# --- figures -------------------------------------------------------------------------------------------------------


@pytest.fixture
def commune_a_cases(case_in, officer_a, commune_a, clock):
    """Five children in commune A in the period, of known sex, age and form; two reports outside it."""
    specs: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("Nguyễn Văn An", {"sex": "male", "date_of_birth": dt.date(2015, 3, 5)}, {"forms": ["violence"]}),
        ("Lê Thị Hoa", {"sex": "female", "date_of_birth": dt.date(2021, 1, 1)}, {"forms": ["sexual_abuse"]}),
        # 6 on 11/05/2026 only if the birthday has come: born 20/05/2020, so still 5.
        ("Trần Thị Mai", {"sex": "female", "date_of_birth": dt.date(2020, 5, 20)}, {"forms": ["neglect"]}),
        ("Phạm Văn Bình", {"sex": "male", "date_of_birth": dt.date(2016, 1, 2)}, {"forms": ["violence", "neglect"]}),
        (
            "Đỗ Thị Lan",
            {"sex": "female", "date_of_birth": dt.date(2012, 7, 7)},
            {"forms": ["violence"], "environment": "school", "received_at": dt.datetime(2025, 12, 15, 0, 0, tzinfo=TZ)},
        ),
    ]
    cases = [case_in(officer_a, commune_a, name, child=child, **report) for name, child, report in specs]
    # Outside the period: the day before it starts, and the day after it ends.
    case_in(officer_a, commune_a, "Vũ Văn Cũ", received_at=dt.datetime(2025, 12, 14, 23, 59, tzinfo=TZ))
    clock.move_to(dt.datetime(2026, 6, 15, 8, 0, tzinfo=TZ))
    case_in(officer_a, commune_a, "Vũ Văn Mới", received_at=dt.datetime(2026, 6, 15, 0, 0, tzinfo=TZ))
    clock.move_to(JUNE)
    return cases


def test_a_commune_reports_figures_equal_an_independent_count_of_its_cases(
    commune_a_cases, commune_report, officer_a, commune_a, case_in, officer_b, commune_b
):
    case_in(officer_b, commune_b, "Hoàng Văn Khác")  # commune B: not in commune A's report

    report = commune_report(officer_a, commune_a)
    figures = report.figures

    children = [c.child for c in commune_a_cases]
    assert figures["indicators"]["C04"]["total"] == len(children) == 5
    assert by(figures, "C04", "sex") == {"Nam": 2, "Nữ": 3}
    assert by(figures, "C04", "sex") == {
        {"male": "Nam", "female": "Nữ"}[k]: n for k, n in Counter(c.sex for c in children).items()
    }
    assert by(figures, "C04", "age") == {
        "Dưới 6 tuổi": 2,
        "Từ 6 đến dưới 11 tuổi": 1,
        "Từ 11 đến dưới 16 tuổi": 2,
    }
    assert by(figures, "C04", "form") == {"Bạo lực": 3, "Xâm hại tình dục": 1, "Bỏ mặc": 2}
    assert by(figures, "C04", "environment") == {"Gia đình": 4, "Trường học": 1}
    assert by(figures, "C04", "commune") == {"Phường Hạc Thành": 5}
    assert figures["indicators"]["R01"]["total"] == 5
    assert figures["indicators"]["C02"]["total"] == 5
    assert figures["indicators"]["K02"]["total"] == 6  # open at the end of the period: all but the one opened later
    assert figures["units"] == [commune_a.pk]


def test_steps_referrals_plans_and_closures_are_counted(commune_a_cases, officer_a, chair_a, commune_report, commune_a):
    from tests.support.builders import walk

    closed = walk(commune_a_cases[0], "closed", officer=officer_a, chair=chair_a)
    walk(commune_a_cases[1], "implementing", officer=officer_a, chair=chair_a)

    figures = commune_report(officer_a, commune_a).figures["indicators"]

    assert closed.state == "closed"
    assert figures["K01"]["total"] == 1
    assert figures["P01"]["total"] == 2
    assert figures["S01"]["total"] == 2
    assert figures["T01"]["total"] > 0
    on_time = dict((k, n) for k, _label, n in figures["T01"]["by"]["on_time"])
    assert sum(on_time.values()) == figures["T01"]["total"]
    share = indicators.on_time_share(figures)
    assert share == on_time.get(True, 0) / figures["T01"]["total"]


def test_computing_a_report_takes_the_same_number_of_queries_for_5_or_25_cases(
    case_in, officer_a, commune_a, django_assert_num_queries
):
    period = period_for(SEMI, 2026)
    for i in range(5):
        case_in(officer_a, commune_a, f"Trẻ số {i}")
    with django_assert_num_queries(200, exact=False) as few:
        indicators.compute_all([commune_a.pk], period)
    for i in range(20):
        case_in(officer_a, commune_a, f"Trẻ thêm {i}")
    with django_assert_num_queries(len(few)) as many:
        figures = indicators.compute_all([commune_a.pk], period)

    assert figures["C04"]["total"] == 25
    assert len(many) == len(few)


# --- the flow ------------------------------------------------------------------------------------------------------


def test_officer_prepares_chair_submits_supervisor_approves(commune_a_cases, officer_a, chair_a, supervisor, commune_a):
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    assert report_prepare(actor=chair_a, unit=commune_a, kind=SEMI, year=2026) == report  # one per unit and period

    act(officer_a, report, "edit", results="Đã tiếp nhận, xử lý kịp thời.", difficulties="Thiếu cán bộ.", proposals="")
    with pytest.raises(ValidationError, match="Chỉ Chủ tịch UBND phường mới ký"):
        act(officer_a, report, "submit")
    act(chair_a, report, "submit", number="12")
    with pytest.raises(ValidationError, match="Chỉ cán bộ giám sát cấp trên"):
        act(chair_a, report, "approve")
    act(supervisor, report, "approve")

    report.refresh_from_db()
    assert (report.status, report.results, report.number) == (S.APPROVED, "Đã tiếp nhận, xử lý kịp thời.", "12")
    assert (report.submitted_by, report.approved_by) == (chair_a, supervisor)
    assert [e.action for e in report.events.all()] == ["prepare", "edit", "submit", "approve"]
    assert AuditEntry.objects.filter(action="report.submit", object_id=str(report.pk), actor=chair_a).exists()
    assert Notification.objects.filter(recipient=supervisor, title=f"{report} đã được gửi").exists()
    assert Notification.objects.filter(recipient=officer_a, title=f"{report} được phê duyệt").exists()


def test_a_submitted_report_is_frozen_whatever_happens_to_cases_later(
    commune_a_cases, officer_a, chair_a, commune_a, case_in, clock
):
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    act(chair_a, report, "submit")
    report.refresh_from_db()
    frozen = report.figures["indicators"]

    # A late report in the period, a child's sex corrected, a case walked on: none of it reaches the sent report.
    case_in(officer_a, commune_a, "Trẻ báo muộn", received_at=JUNE - dt.timedelta(days=3))
    child = commune_a_cases[0].child
    child.sex = "female"
    child.save()
    case_step(officer_a, Case.objects.get(pk=commune_a_cases[1].pk), "assess_initial")
    clock.move_to(JUNE + dt.timedelta(days=2))

    report.refresh_from_db()
    assert report.figures["indicators"] == frozen
    assert frozen["C04"]["total"] == 5
    with pytest.raises(ValidationError, match="Không thể “Tính lại số liệu”"):
        act(officer_a, report, "recompute")


def test_a_returned_report_is_recomputed_and_sent_again(
    commune_a_cases, officer_a, chair_a, supervisor, commune_a, case_in
):
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    act(chair_a, report, "submit")
    with pytest.raises(ValidationError) as no_note:
        act(supervisor, report, "return")
    assert no_note.value.message_dict == {"note": ["Ghi rõ nội dung cần sửa."]}

    act(supervisor, report, "return", note="Bổ sung vụ việc tiếp nhận ngày 05/06.")
    case_in(officer_a, commune_a, "Trẻ bổ sung", received_at=dt.datetime(2026, 6, 5, 10, 0, tzinfo=TZ))
    act(officer_a, report, "recompute")
    report.refresh_from_db()
    assert (report.status, report.figures["indicators"]["C04"]["total"]) == (S.DRAFT, 6)
    act(chair_a, report, "submit")
    assert Notification.objects.filter(recipient=officer_a, body="Bổ sung vụ việc tiếp nhận ngày 05/06.").exists()


def test_a_stale_version_is_refused(commune_a_cases, officer_a, chair_a, commune_a):
    from reporting.services import report_act

    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    old = report.version
    act(officer_a, report, "edit", results="Bản của cán bộ.")

    with pytest.raises(ValidationError) as stale:
        report_act(actor=chair_a, report=report, action="edit", version=old, data={"results": "Bản khác."})

    assert stale.value.code == "stale"
    assert PeriodicReport.objects.get(pk=report.pk).results == "Bản của cán bộ."


def test_only_the_units_own_staff_prepare_it(officer_b, supervisor, police, administrator, commune_a):
    for user in (officer_b, supervisor, police, administrator):
        with pytest.raises(ValidationError):
            report_prepare(actor=user, unit=commune_a, kind=SEMI, year=2026)
    assert not PeriodicReport.objects.exists()


# --- the province --------------------------------------------------------------------------------------------------


def test_the_province_report_sums_the_sent_commune_reports_and_names_the_missing(
    commune_a_cases, case_in, officer_a, chair_a, officer_b, chair_b, supervisor, commune_a, commune_b, province
):
    case_in(officer_b, commune_b, "Hoàng Thị B1", child={"sex": "female"})
    case_in(officer_b, commune_b, "Hoàng Văn B2")
    a = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    act(chair_a, a, "submit")
    act(supervisor, a, "approve")

    draft_province = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    assert draft_province.figures["indicators"]["C04"]["total"] == 5
    assert draft_province.figures["missing"] == [[commune_b.pk, "Phường Hàm Rồng"]]

    b = report_prepare(actor=officer_b, unit=commune_b, kind=SEMI, year=2026)
    assert b.figures["indicators"]["C04"]["total"] == 2  # a draft: not in the province's figures yet
    act(supervisor, draft_province, "recompute")
    draft_province.refresh_from_db()
    assert draft_province.figures["indicators"]["C04"]["total"] == 5
    act(chair_b, b, "submit")  # sent, not yet approved: counted
    act(supervisor, draft_province, "submit", results="Toàn tỉnh đã triển khai.")

    draft_province.refresh_from_db()
    figures = draft_province.figures
    independent = (
        Case.objects.filter(
            unit__in=[commune_a, commune_b],
            report__received_at__gte=period_for(SEMI, 2026).bounds()[0],
            report__received_at__lt=period_for(SEMI, 2026).bounds()[1],
        )
        .values("child")
        .distinct()
        .count()
    )
    assert figures["indicators"]["C04"]["total"] == independent == 7
    assert by(figures, "C04", "commune") == {"Phường Hạc Thành": 5, "Phường Hàm Rồng": 2}
    assert by(figures, "C04", "sex") == {"Nam": 3, "Nữ": 4}
    assert figures["missing"] == []
    assert sorted(figures["units"]) == sorted([commune_a.pk, commune_b.pk])
    assert figures["without_accounts"] == province.children.count() - 2
    assert draft_province.status == S.SUBMITTED
    # No one above a province: its report is final once sent.
    for user in (supervisor, chair_a):
        with pytest.raises(ValidationError):
            act(user, draft_province, "approve")


# --- reminders -----------------------------------------------------------------------------------------------------


def test_units_that_have_not_sent_are_reminded_once_before_and_once_after_the_due_date(
    officer_a, chair_a, officer_b, chair_b, supervisor, commune_a, commune_b, clock
):
    report_b = report_prepare(actor=officer_b, unit=commune_b, kind=SEMI, year=2026)
    act(chair_b, report_b, "submit")

    clock.move_to(dt.datetime(2026, 6, 7, 7, 30, tzinfo=TZ))  # 8 days before: not yet
    assert due_reminders_scan() == 0
    clock.move_to(dt.datetime(2026, 6, 8, 7, 30, tzinfo=TZ))
    assert due_reminders_scan() == 3  # officer_a, chair_a (commune A) and the supervisor (province not sent)
    assert due_reminders_scan() == 0  # exactly once
    key = f"report:semiannual-2026:{commune_a.pk}:due_soon"
    assert sorted(Notification.objects.filter(key=key).values_list("recipient__username", flat=True)) == [
        "chair_a",
        "officer_a",
    ]
    assert not Notification.objects.filter(recipient__in=[officer_b, chair_b], key__startswith="report:").exists()

    clock.move_to(dt.datetime(2026, 6, 16, 7, 30, tzinfo=TZ))
    due_reminders_scan()
    overdue = f"report:semiannual-2026:{commune_a.pk}:overdue"
    assert sorted(Notification.objects.filter(key=overdue).values_list("recipient__username", flat=True)) == [
        "chair_a",
        "officer_a",
        "supervisor",
    ]
    assert due_reminders_scan() == 0


def test_the_reminder_task_is_scheduled():
    from childprotect.schedule import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["remind-report-due"]["task"] == "reporting.tasks.remind_report_due"
