"""Journeys of the one-time forms and of two people acting at once, in Chromium on the demo world: Back after saving
Mẫu 01 and Save again shows the report already made; two officers on the same step, the second keeps what she typed
and is told why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState, Report, Term, TermKind
from cases.services import ChildData, ReportData, child_register, report_attach_child, report_receive
from childprotect.accounts.models import Role, User
from tests.factories import PASSWORD

from .conftest import Journey
from .pages import ReportForm, fill_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_back_after_saving_mau_01_then_save_again_shows_the_report_already_made(journey: Journey):
    page, main = journey.page, journey.main
    journey.login("officer_a")
    journey.step("report form")
    journey.go("/reports/new/")
    received = timezone.localtime() - dt.timedelta(minutes=10)
    fill_report(
        page,
        ReportForm(
            received=received,
            channel="Điện thoại",
            kind="Tố giác",
            reporter="Trịnh Văn Lộc",
            description="Cháu bé ở tổ 7 bị người lạ đánh trên đường đi học về.",
            form="Bạo lực",
            environment="Cộng đồng",
        ),
    )
    before = Report.objects.count()
    main.get_by_role("button", name="Lưu thông tin").click()
    expect(main).to_contain_text("Đã tiếp nhận thông tin số")
    made = Report.objects.order_by("-pk").first()

    journey.step("back then save again")
    page.go_back()
    expect(page.get_by_label("Nội dung sự việc")).to_have_value("Cháu bé ở tổ 7 bị người lạ đánh trên đường đi học về.")
    main.get_by_role("button", name="Lưu thông tin").click()
    expect(main).to_contain_text("Hồ sơ này đã được lưu")
    assert Report.objects.count() == before + 1
    assert made is not None and str(made.pk) in page.url


def _new_case() -> Case:
    """A new case of commune A (report and child through the services), waiting for Mẫu 02."""
    officer = User.objects.get(username="officer_a")
    assert officer.unit is not None
    report = report_receive(
        actor=officer,
        data=ReportData(
            report_type="thong_bao",
            channel=Term.objects.get(kind=TermKind.CHANNEL, code="phone"),
            received_at=timezone.now() - dt.timedelta(hours=1),
            description="Trẻ bị bạo lực ở nhà.",
            environment="family",
            incident_unit=officer.unit,
            forms=["violence"],
            reporter_name="Hàng xóm",
        ),
    )
    child = child_register(
        actor=officer,
        data=ChildData(
            full_name="Phan Thị Ngọc", sex="female", residence_unit=officer.unit, date_of_birth=dt.date(2016, 4, 9)
        ),
    )
    report_attach_child(actor=officer, report=report, child=child)
    return report.cases.get(child=child)


def test_two_officers_on_the_same_step_the_second_keeps_her_input(journey: Journey):
    page, main = journey.page, journey.main
    case = _new_case()
    assert case.state == CaseState.RECEIVED
    User.objects.create_user(
        username="officer_a2", password=PASSWORD, full_name="Bùi Thị Hạnh", role=Role.COMMUNE_OFFICER, unit=case.unit
    )
    journey.login("officer_a")
    journey.step("the first officer opens the step")
    journey.go(f"/cases/{case.pk}/act/assess_initial/")
    page.get_by_label("Cao").check()
    page.get_by_label("Nhận định, thông tin đã xác minh").fill("Nhận định của chị Hoà.")

    journey.step("meanwhile the second officer takes it")
    other = page.context.browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    try:
        other_page = other.new_page()
        other_page.goto(journey.url("/accounts/login/"))
        other_page.get_by_label("Tên đăng nhập").fill("officer_a2")
        other_page.get_by_label("Mật khẩu").fill(PASSWORD)
        other_page.locator("main").get_by_role("button", name="Đăng nhập").click()
        expect(other_page.get_by_role("button", name="Đăng xuất")).to_be_visible()
        other_page.goto(journey.url(f"/cases/{case.pk}/act/assess_initial/"))
        other_page.get_by_label("Trung bình").check()
        other_page.get_by_label("Nhận định, thông tin đã xác minh").fill("Nhận định của chị Hạnh.")
        other_page.locator("main").get_by_role("button", name="Ghi nhận").click()
        expect(other_page.locator("main")).to_contain_text("Đã ghi nhận")
    finally:
        other.close()

    journey.step("the first officer sends hers")
    main.get_by_role("button", name="Ghi nhận").click()
    expect(main).to_contain_text("người khác cập nhật")
    expect(page.get_by_label("Nhận định, thông tin đã xác minh")).to_have_value("Nhận định của chị Hoà.")
    expect(page.get_by_label("Cao")).to_be_checked()  # her choice too, not the one recorded by the other officer
    assert case.steps.filter(action="assess_initial").count() == 1
