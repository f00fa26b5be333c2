"""Sending opens only once the period has ended; an approved report can be reopened with a reason by the supervisor
who approved it (or one above), recomputed and sent again; every sent version stays in the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from childprotect.audit.models import AuditEntry
from reporting.models import PeriodicReport, ReportStatus, SentVersion
from reporting.periods import latest_sendable_period, period_before, period_for
from reporting.services import report_prepare
from tests.factories import UserFactory
from tests.support.builders import SEMI
from tests.support.builders import report_step as act
from tests.support.clock import JUNE, TZ
from tests.support.pages import html, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery"), pytest.mark.clock_at(JUNE)]
S = ReportStatus
DEC_3 = dt.datetime(2026, 12, 3, 10, 0, tzinfo=TZ)


def detail(report) -> str:
    return reverse("reporting:report_detail", args=[report.pk])


def step(report, action: str) -> str:
    return reverse("reporting:report_act", args=[report.pk, action])


# --- sending opens when the period ends ------------------------------------------------------------------------------


def test_the_next_six_month_report_cannot_be_sent_before_its_period_ends(clock, officer_a, chair_a, commune_a):
    clock.move_to(DEC_3)  # the issue: the 2027 six-month report was sent on 03/12/2026 with zero figures
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2027)

    with pytest.raises(ValidationError) as refused:
        act(chair_a, report, "submit")

    assert "14/06/2027" in " ".join(refused.value.messages)
    report.refresh_from_db()
    assert report.status == S.DRAFT and not report.sent_versions.exists()


def test_sending_opens_on_the_periods_last_day(clock, officer_a, chair_a, supervisor, commune_a):
    clock.move_to(dt.datetime(2026, 6, 13, 23, 0, tzinfo=TZ))
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    with pytest.raises(ValidationError):
        act(chair_a, report, "submit")

    clock.move_to(dt.datetime(2026, 6, 14, 0, 5, tzinfo=TZ))
    act(chair_a, report, "submit")
    act(supervisor, report, "approve")
    report.refresh_from_db()
    assert report.status == S.APPROVED


def test_a_report_sent_early_is_not_approved_before_its_period_ends(clock, officer_a, chair_a, supervisor, commune_a):
    clock.move_to(DEC_3)
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2027)
    PeriodicReport.objects.filter(pk=report.pk).update(status=S.SUBMITTED)  # sent before this rule existed

    with pytest.raises(ValidationError, match="14/06/2027"):
        act(supervisor, report, "approve")
    act(supervisor, report, "return", note="Kỳ báo cáo chưa kết thúc.")  # it can still go back


def test_the_day_sending_opens_is_a_setting(settings, clock, officer_a, chair_a, commune_a):
    settings.CHILDPROTECT_REPORT_SEND_OPENS_DAYS_BEFORE_END = 5
    clock.move_to(dt.datetime(2026, 6, 9, 9, 0, tzinfo=TZ))
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)

    act(chair_a, report, "submit")

    assert period_for(SEMI, 2026).send_opens == dt.date(2026, 6, 9)


def test_the_page_shows_send_disabled_with_its_date_and_a_post_says_why(client, clock, officer_a, chair_a, commune_a):
    clock.move_to(DEC_3)
    report = report_prepare(actor=officer_a, unit=commune_a, kind="annual", year=2026)
    client.force_login(chair_a)

    page = client.get(detail(report))

    assert "submit" not in [s.action for s in page.context["steps"]]
    assert [(s.action, d) for s, d in page.context["waiting"]] == [("submit", dt.date(2026, 12, 14))]
    assert "gửi được từ ngày 14/12/2026" in html(page)
    assert step(report, "submit") not in html(page)

    response = client.post(step(report, "submit"), {"version": report.version, "number": "3"}, follow=True)

    assert "báo cáo chỉ được gửi từ ngày 14/12/2026" in html(response)
    report.refresh_from_db()
    assert report.status == S.DRAFT


def test_the_latest_sendable_period_on_3_december_2026_is_the_six_month_report_of_2026():
    open_now = latest_sendable_period(dt.date(2026, 12, 3))
    assert (open_now.kind, open_now.year) == ("semiannual", 2026)
    assert latest_sendable_period(dt.date(2026, 12, 14)).key == "annual-2026"
    assert period_before(open_now).key == "annual-2025"


# --- reopening an approved report ------------------------------------------------------------------------------------


@pytest.fixture
def approved(case_in, officer_a, chair_a, supervisor, commune_a, clock):
    """Commune A's 6-month 2026 report with one case, sent (number 12) and approved on the period's last day."""
    clock.move_to(dt.datetime(2026, 6, 14, 9, 0, tzinfo=TZ))
    case_in(officer_a, commune_a, "Nguyễn Văn An")
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    act(chair_a, report, "submit", number="12", results="Một vụ.")
    act(supervisor, report, "approve")
    report.refresh_from_db()
    return report


def test_the_approving_supervisor_reopens_with_a_reason_and_the_resent_report_is_a_new_version(
    approved, case_in, officer_a, chair_a, supervisor, commune_a, clock
):
    with pytest.raises(ValidationError, match="lý do"):
        act(supervisor, approved, "reopen", note="  ")

    act(supervisor, approved, "reopen", note="Thiếu một vụ tiếp nhận ngày 14/06.")
    approved.refresh_from_db()
    assert approved.status == S.RETURNED and approved.approved_by is None
    entry = AuditEntry.objects.get(action="report.reopen", object_id=str(approved.pk))
    assert entry.actor == supervisor and entry.changes["reason"] == "Thiếu một vụ tiếp nhận ngày 14/06."

    # Editable again: a case logged late is counted once recomputed, and the next sending is version 2.
    case_in(officer_a, commune_a, "Lê Thị Hoa", child={"sex": "female"})
    act(officer_a, approved, "recompute")
    act(chair_a, approved, "submit", number="12b", results="Hai vụ.")
    act(supervisor, approved, "approve")
    approved.refresh_from_db()

    first, second = SentVersion.objects.filter(report=approved).order_by("number")
    assert (first.number, first.doc_number, first.figures["indicators"]["C04"]["total"]) == (1, "12", 1)
    assert first.approved_by == supervisor and first.ended_by_action == "reopen"
    assert first.ended_note == "Thiếu một vụ tiếp nhận ngày 14/06."
    assert (second.number, second.doc_number, second.figures["indicators"]["C04"]["total"]) == (2, "12b", 2)
    assert approved.figures["indicators"]["C04"]["total"] == 2
    assert [e.action for e in approved.events.all()] == [
        "prepare", "submit", "approve", "reopen", "recompute", "submit", "approve",
    ]  # fmt: skip


def test_only_the_approver_or_a_supervisor_above_may_reopen(approved, officer_a, chair_a, province):
    colleague = UserFactory(username="supervisor2", role="supervisor", unit=province)
    for who in (officer_a, chair_a, colleague):
        with pytest.raises(ValidationError, match="Chỉ"):
            act(who, approved, "reopen", note="Sửa.")
    approved.refresh_from_db()
    assert approved.status == S.APPROVED


def test_a_report_summed_into_the_sent_province_report_cannot_be_reopened(approved, supervisor, province):
    province_report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    act(supervisor, province_report, "submit")

    with pytest.raises(ValidationError, match="Tỉnh Thanh Hóa"):
        act(supervisor, approved, "reopen", note="Sửa.")


def test_a_reopened_commune_report_is_missing_from_the_province_sum_until_sent_again(
    approved, supervisor, province, chair_a, commune_a
):
    act(supervisor, approved, "reopen", note="Sửa số liệu.")
    province_report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    assert [name for _id, name in province_report.figures["missing"]] == ["Phường Hạc Thành"]
    assert province_report.figures["indicators"]["C04"]["total"] == 0

    act(chair_a, approved, "submit")
    act(supervisor, province_report, "recompute")
    province_report.refresh_from_db()
    assert province_report.figures["missing"] == []
    assert province_report.figures["indicators"]["C04"]["total"] == 1


def test_every_sent_version_can_be_viewed_with_its_frozen_figures_and_pdf(
    client, approved, supervisor, chair_a, officer_b
):
    act(supervisor, approved, "reopen", note="Sửa số liệu.")
    act(chair_a, approved, "submit", number="13")
    client.force_login(chair_a)

    page = client.get(detail(approved))
    first_url = reverse("reporting:report_sent_version", args=[approved.pk, 1])
    assert first_url in html(page) and "Sửa số liệu." in html(page)
    first = client.get(first_url)
    assert first.status_code == 200 and first.context["sent"].doc_number == "12"
    assert AuditEntry.objects.filter(action="periodicreport.view", changes__sent=1).exists()

    pdf = client.get(reverse("reporting:report_sent_version_pdf", args=[approved.pk, 1]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert SentVersion.objects.get(report=approved, number=1).pdf  # kept: the same file next time

    client.force_login(officer_b)
    assert client.get(first_url).status_code == 404
    assert client.get(reverse("reporting:report_sent_version", args=[approved.pk, 9])).status_code == 404


def test_the_reopen_page_asks_for_a_reason(client, approved, supervisor):
    client.force_login(supervisor)
    page = client.get(detail(approved))
    assert "reopen" in [s.action for s in page.context["steps"]]
    form = client.get(step(approved, "reopen"))
    response = client.post(step(approved, "reopen"), {"version": version_on(form), "note": ""})
    assert response.status_code == 200 and "Lý do mở lại" in html(response)
    response = client.post(step(approved, "reopen"), {"version": version_on(form), "note": "Sai số liệu."})
    assert response.status_code == 302


def test_the_pdf_made_of_the_sent_report_is_kept_with_its_version_when_reopened(
    approved, supervisor, django_capture_on_commit_callbacks
):
    from reporting.services import report_pdf_queue

    with django_capture_on_commit_callbacks(execute=True):
        report_pdf_queue(actor=supervisor, report=approved)
    approved.refresh_from_db()
    with approved.pdf.open("rb") as handle:
        made = handle.read()
    assert made.startswith(b"%PDF")

    act(supervisor, approved, "reopen", note="Sửa số liệu.")

    sent = SentVersion.objects.get(report=approved, number=1)
    with sent.pdf.open("rb") as handle:
        assert handle.read() == made  # the very file that was sent, not a new rendering


def test_the_list_says_when_the_next_report_opens_and_links_the_one_that_can_be_sent_now(
    client, clock, officer_a, commune_a
):
    clock.move_to(DEC_3)
    semi = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    client.force_login(officer_a)

    page = client.get(reverse("reporting:report_list"))

    assert page.context["period"].key == "annual-2026" and page.context["sendable"].key == "semiannual-2026"
    assert "Báo cáo kỳ tới gửi được từ ngày 14/12/2026" in html(page)
    assert page.context["own_sendable"] == semi and detail(semi) in html(page)


def test_a_pdf_asked_for_while_the_broker_is_down_is_marked_failed_and_can_be_asked_for_again(
    approved, supervisor, django_capture_on_commit_callbacks, request
):
    from reporting.models import PdfStatus
    from reporting.services import report_pdf_queue

    request.getfixturevalue("dead_broker")
    with django_capture_on_commit_callbacks(execute=True):
        assert report_pdf_queue(actor=supervisor, report=approved)  # no error for the request
    approved.refresh_from_db()
    assert approved.pdf_status == PdfStatus.FAILED  # not "waiting" for a task that was never queued
    with django_capture_on_commit_callbacks(execute=False):
        assert report_pdf_queue(actor=supervisor, report=approved)  # asked for again
