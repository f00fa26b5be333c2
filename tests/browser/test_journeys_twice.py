"""Journeys of the one-time forms and of two people acting at once, in Chromium on the demo world: Back after saving
Mẫu 01 and Save again shows the report already made; two officers on the same step, the second keeps what she typed
and is told why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import CaseState, Report
from childprotect.accounts.models import Role, User
from tests.factories import PASSWORD

from .journey import Journey, case_at, log_in
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


def test_two_officers_on_the_same_step_the_second_keeps_her_input(journey: Journey):
    page, main = journey.page, journey.main
    case = case_at(
        CaseState.RECEIVED, child_name="Phan Thị Ngọc", born=dt.date(2016, 4, 9), text="Trẻ bị bạo lực ở nhà."
    )
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
        log_in(other_page, journey.url("/accounts/login/"), "officer_a2", PASSWORD)
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
