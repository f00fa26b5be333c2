"""Five journeys through the real pages, in Chromium, on the demo world (see conftest.py).

1. A commune officer logs a report, registers the child and takes the case to a plan waiting for approval.
2. The commune chair approves a plan.
3. The officer refers a case to the police; the police partner accepts it and completes it with an outcome.
4. The commune's 6-month report: prepared by the officer, signed and sent by the chair, approved by the supervisor
   after a look at the area dashboard of their home page.
5. An officer of another commune is refused commune A's records (404) and does not see them in any list.

Only what a person does: fill the forms, click the buttons and links by their Vietnamese text or labels. The starting
point of journeys 2 and 3 (a case at a given step) is made through the services; the database is read back at the
end of each journey to confirm what the pages said.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState, Child, Report
from referrals.models import Referral, ReferralStatus
from reporting.models import PeriodicReport, ReportStatus
from reporting.periods import latest_sendable_period

from .journey import (
    COMMUNE_A,
    POLICE,
    Journey,
    approve_report,
    assess_specific,
    case_at,
    case_of_new_child,
    draft_plan,
    open_case,
    open_listed_report,
    open_periodic_report,
    police_accept_and_complete,
    record,
    refer_to_the_police,
    save_report,
    sign_and_send,
    take_case_step,
    write_periodic_report,
)
from .pages import ChildForm, ReportForm, Suspect, fill_child, fill_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# --- 1 ----------------------------------------------------------------------------------------------------------------


def test_officer_logs_a_report_and_takes_the_case_to_a_plan_waiting_for_approval(journey: Journey):
    page, main = journey.page, journey.main
    today = timezone.localdate()
    journey.login("officer_a")
    journey.screens("home-officer")

    journey.step("report form")
    journey.nav("Thông tin, tố giác")
    main.get_by_role("link", name="Tiếp nhận thông tin mới").click()
    received = timezone.localtime() - dt.timedelta(minutes=20)
    fill_report(
        page,
        ReportForm(
            received=received,
            channel="Điện thoại",
            kind="Tố giác",
            reporter="Đỗ Văn Quang",
            phone="0988 123 456",
            address="Tổ dân phố 3",
            description="Hàng xóm thấy cháu Minh An bị bố đánh bằng roi nhiều lần; cháu có vết bầm ở tay và lưng.",
            form="Bạo lực",
            environment="Gia đình",
            day=today - dt.timedelta(days=1),
            signs=("Trẻ bị thương tích",),
            suspects=(Suspect("Nguyễn Văn Hùng", "Cha/mẹ đẻ", age="41", lives_with_child=True),),
        ),
    )
    journey.screens("report-form")
    reference = save_report(journey)

    journey.step("register the child")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Trẻ em trong thông tin {reference}")
    expect(page.get_by_label("Xã, phường nơi cư trú")).to_have_value("14797")
    fill_child(
        page,
        ChildForm("Nguyễn Minh An", "02/03/2015", "Nam", "Kinh", "Tổ dân phố 3", "Lê Thị Nga", "mẹ", "0977 456 789"),
    )
    main.get_by_role("button", name="Đăng ký và gắn vào thông tin").click()
    # The registry has a Nguyễn Văn An in the same commune: the officer is shown him and confirms this is another child.
    expect(main).to_contain_text("Có thể trẻ em này đã có trong sổ theo dõi")
    expect(main.get_by_role("alert").filter(has_text="Nguyễn Văn An")).to_be_visible()
    main.get_by_role("button", name="Không phải các trẻ trên: đăng ký trẻ mới").click()
    expect(main).to_contain_text(f"Đã đăng ký Nguyễn Minh An và gắn vào thông tin {reference}.")

    journey.step("open the case")
    case_ref = case_of_new_child(journey, reference, "Nguyễn Minh An", screens="report-officer")
    expect(main.locator("h1 + p")).to_contain_text("Mới tiếp nhận")

    label = "Đánh giá nguy cơ ban đầu – Mẫu 02"
    take_case_step(journey, label)
    page.get_by_label("Cao", exact=True).check()
    page.get_by_label("Mức độ bảo vệ dự kiến").select_option(label="Can thiệp")
    page.get_by_label("Nhận định, thông tin đã xác minh").fill(
        "Đã gặp cháu và mẹ; có vết bầm ở tay. Bố thường xuyên say rượu."
    )
    record(journey, label, "Đã đánh giá nguy cơ ban đầu")
    journey.logout()

    # The chair decides on emergency protection (NĐ 56 Đ26 k3: within 12 hours of the report).
    journey.login("chair_a")
    open_case(journey, case_ref)
    label = "Quyết định áp dụng biện pháp bảo vệ khẩn cấp (hoặc không cần)"
    take_case_step(journey, label)
    expect(page.get_by_label("Áp dụng biện pháp bảo vệ khẩn cấp", exact=True)).not_to_be_checked()
    page.get_by_label("Lý do, căn cứ").fill("Cháu đang ở với mẹ, bố đã cam kết không đánh con; theo dõi hằng ngày.")
    record(journey, label, "Đã quyết định về bảo vệ khẩn cấp")
    journey.logout()

    journey.login("officer_a")
    open_case(journey, case_ref)
    assess_specific(
        journey,
        needs="Khám sức khỏe; tư vấn tâm lý; tư vấn cho cha mẹ.",
        day=today,
        participants="Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế, Hội LHPN phường",
        minutes="Thống nhất các nhu cầu và người phụ trách.",
    )
    draft_plan(
        journey,
        goals="Cháu an toàn, được khám và hỗ trợ tâm lý; cha mẹ được tư vấn.",
        until=today + dt.timedelta(days=60),
        activities=[
            ("Khám sức khỏe, đánh giá tổn thương", "Trạm Y tế phường", today, today + dt.timedelta(days=7)),
            ("Tư vấn tâm lý (4 buổi)", "Trung tâm CTXH", today, today + dt.timedelta(days=30)),
        ],
    )
    expect(main).to_contain_text("Khám sức khỏe, đánh giá tổn thương")
    journey.screens("case-officer")

    case = Case.objects.get(child__full_name="Nguyễn Minh An")
    assert case.state == CaseState.PLAN_DRAFTED
    assert case.report.reference == reference and case.report.received_by.username == "officer_a"
    assert case.report.received_at == received.replace(second=0, microsecond=0)
    assert list(case.report.abuse_forms.values_list("form", flat=True)) == ["violence"]
    assert case.report.perpetrators.get().name == "Nguyễn Văn Hùng"
    assert case.plans.get().activities.count() == 2
    assert Child.objects.filter(full_name="Nguyễn Văn An").exists()  # the other child is still there, untouched


# --- 2 ----------------------------------------------------------------------------------------------------------------


def test_chair_approves_the_plan(journey: Journey):
    case = case_at(
        CaseState.PLAN_DRAFTED,
        child_name="Hoàng Thu Trang",
        born=dt.date(2013, 4, 9),
        text="Cháu Trang bị bạn cùng lớp đánh, đe doạ nhiều lần.",
    )
    page, main = journey.page, journey.main
    journey.login("chair_a")
    journey.screens("home-chair")
    open_case(journey, str(case))
    expect(main.locator("h1 + p")).to_contain_text("Kế hoạch chờ phê duyệt")
    label = "Phê duyệt kế hoạch – Mẫu 05"
    take_case_step(journey, label)
    page.get_by_label("Số quyết định phê duyệt").fill("15/QĐ-UBND")
    page.get_by_label("Ý kiến").fill("Đồng ý; Trạm Y tế khám trong tuần này.")
    record(journey, label, "Đang thực hiện kế hoạch")
    journey.screens("case-chair")

    case.refresh_from_db()
    assert case.state == CaseState.IMPLEMENTING
    assert case.plans.get().status == "approved"


# --- 3 ----------------------------------------------------------------------------------------------------------------


def test_officer_refers_to_the_police_who_accept_and_complete(journey: Journey):
    case = case_at(
        CaseState.IMPLEMENTING,
        child_name="Lương Thị Mai",
        born=dt.date(2012, 7, 21),
        text="Cháu Mai bị một nhóm thanh niên chặn đường, đánh khi đi học về.",
    )
    page, main = journey.page, journey.main
    journey.login("officer_a")
    open_case(journey, str(case))

    referral_ref = refer_to_the_police(
        journey,
        services="Điều tra, xác minh; xử lý người có hành vi xâm hại.",
        information="Cháu và mẹ có thể làm việc buổi chiều.",
    )
    journey.screens("referral-officer")
    journey.logout()

    journey.login("police")
    journey.screens("home-police")
    police_accept_and_complete(
        journey,
        referral_ref,
        child="Lương Thị Mai",
        note="Đã phân công điều tra viên.",
        outcome="Khởi tố vụ án hình sự",
        number="12/QĐ-CSĐT",
        done="Đã lấy lời khai, xác định người xâm hại; khởi tố vụ án.",
    )
    expect(main).to_contain_text("Khởi tố vụ án hình sự")
    journey.screens("referral-police")
    journey.logout()

    journey.step("officer sees the outcome")
    journey.login("officer_a")
    open_case(journey, str(case))
    line = main.locator("p").filter(has=page.get_by_role("link", name=referral_ref, exact=True))
    expect(line).to_contain_text("Đã hoàn thành: Khởi tố vụ án hình sự (12/QĐ-CSĐT)")
    journey.screens("case-after-referral")

    referral = Referral.objects.get(case=case)
    assert str(referral) == referral_ref and referral.agency.name == POLICE
    assert referral.status == ReferralStatus.COMPLETED and referral.outcome is not None
    assert referral.outcome.code == "prosecuted"
    assert referral.outcome_reference == "12/QĐ-CSĐT"
    assert set(referral.events.exclude(action__in=["create", "send"]).values_list("actor__username", flat=True)) == {
        "police"
    }


# --- 4 ----------------------------------------------------------------------------------------------------------------


def test_supervisor_reviews_the_area_and_approves_the_communes_six_month_report(journey: Journey):
    page, main = journey.page, journey.main
    # The latest period whose report may be sent today (on 03/12/2026 the 6-month report of 2026; the annual one opens
    # on 14/12): the demo leaves commune A's written but not sent, so the whole cycle runs on today's date.
    period = latest_sendable_period()
    year = period.year
    title = f"Báo cáo {period.label} – {COMMUNE_A}"

    journey.login("officer_a")
    journey.step("prepare the report")
    journey.nav("Báo cáo")
    open_periodic_report(journey, period.kind, year, title)
    write_periodic_report(
        journey,
        achieved="Tiếp nhận, xử lý kịp thời các tố giác; phối hợp tốt với Công an.",
        difficulties="Cán bộ kiêm nhiệm nhiều việc.",
        proposals="Đề nghị tỉnh tập huấn kỹ năng đánh giá nguy cơ.",
    )
    journey.logout()

    journey.login("chair_a")
    sign_and_send(journey, title, "35")
    journey.logout()

    journey.login("supervisor")
    journey.step("area dashboard")
    dashboard = page.locator("#area-dashboard")
    if dashboard.count():  # the home page's area dashboard (figures and charts of the province): its presence only
        expect(dashboard).to_be_visible()
        dashboard.scroll_into_view_if_needed()
    journey.screens("home-supervisor")
    links = dashboard.locator("a[href^='/cases/?']")
    if dashboard.count() and links.count():  # its figures lead to the filtered lists of the cases behind them
        links.first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hồ sơ vụ việc")
        journey.screens("cases-from-dashboard")

    journey.step("supervisor approves")
    open_listed_report(journey, title)
    expect(main.locator("h1 + p")).to_contain_text("Đã gửi")
    approve_report(journey)
    journey.screens("periodic-report-supervisor")

    journey.step("supervisor reopens the approved report")
    main.get_by_role("link", name="Mở lại báo cáo đã duyệt", exact=True).click()
    page.get_by_label("Lý do mở lại báo cáo").fill("Bổ sung một vụ tiếp nhận ngày cuối kỳ.")
    main.get_by_role("button", name="Mở lại báo cáo đã duyệt", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Mở lại báo cáo đã duyệt.")
    expect(main.locator("h1 + p")).to_contain_text("Trả lại để sửa")
    main.get_by_role("link", name="Lần gửi 1", exact=True).click()
    expect(main).to_contain_text("Bổ sung một vụ tiếp nhận ngày cuối kỳ.")

    report = PeriodicReport.objects.get(kind=period.kind, year=year, unit__name=COMMUNE_A)
    assert report.status == ReportStatus.RETURNED and report.number == "35"
    assert [e.actor.username for e in report.events.order_by("at", "pk")][-4:] == [
        "officer_a",
        "chair_a",
        "supervisor",
        "supervisor",
    ]
    approved_by = report.sent_versions.get().approved_by
    assert approved_by is not None and approved_by.username == "supervisor"


# --- 5 ----------------------------------------------------------------------------------------------------------------


def test_officer_of_another_commune_is_refused_commune_a_records(journey: Journey):
    page, main = journey.page, journey.main
    case = Case.objects.get(child__full_name="Nguyễn Văn An", unit__name=COMMUNE_A)
    referral = case.referrals.first()
    a_reports = list(Report.objects.filter(incident_unit__name=COMMUNE_A).values_list("reference", flat=True))
    assert referral is not None and a_reports
    journey.login("officer_b")

    for path in [
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/act/review/",
        f"/cases/{case.pk}/referrals/new/",
        f"/reports/{case.report_id}/",
        f"/reports/{case.report_id}/children/",
        f"/children/{case.child_id}/",
        f"/referrals/{referral.pk}/",
    ]:
        journey.step(f"refused {path}")
        response = journey.go(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_contain_text("Không tìm thấy")
        expect(main).not_to_contain_text("Nguyễn Văn An")
    journey.screens("not-found-officer-b")

    journey.step("cases list")
    journey.nav("Hồ sơ vụ việc")
    expect(main).to_contain_text("Đặng Quốc Huy")  # commune B's own case is there
    expect(main).not_to_contain_text(str(case))
    expect(main).not_to_contain_text(COMMUNE_A)

    journey.step("children list")
    journey.nav("Trẻ em")
    expect(main).to_contain_text("Đặng Quốc Huy")
    for name in ("Nguyễn Văn An", "Lê Thị Hòa", "Trần Gia Bảo"):
        expect(main).not_to_contain_text(name)
    page.get_by_label("Tìm theo tên, mã định danh hoặc số điện thoại").fill("Nguyen Van An")
    main.get_by_role("button", name="Lọc", exact=True).click()
    expect(main.locator("table")).not_to_contain_text("Nguyễn Văn An")

    journey.step("reports list")
    journey.nav("Thông tin, tố giác")
    expect(main.locator("table")).to_contain_text("Phường Hàm Rồng")
    for reference in a_reports:
        expect(main).not_to_contain_text(reference)
    expect(main.locator("table")).not_to_contain_text(COMMUNE_A)

    journey.step("referrals list")
    journey.nav("Chuyển tuyến")
    expect(main).not_to_contain_text(str(referral))
