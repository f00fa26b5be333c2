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
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState, Child, Report, Term, TermKind
from cases.services import ChildData, ReportData, case_act, child_register, report_attach_child, report_receive
from childprotect.accounts.models import User
from referrals.models import Referral, ReferralStatus
from reporting.models import PeriodicReport, ReportStatus
from reporting.periods import latest_sendable_period

from .conftest import Journey
from .pages import ChildForm, ReportForm, Suspect, fill_child, fill_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COMMUNE_A = "Phường Hạc Thành"
POLICE = "Công an phường Hạc Thành"


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- starting points made through the services -----------------------------------------------------------------------

WALK = ["assess_initial", "decide_emergency", "assess_specific", "draft_plan", "approve_plan"]
CHAIR_STEPS = {"decide_emergency", "approve_plan"}
LAST_STEP: dict[str, str] = {CaseState.PLAN_DRAFTED: "draft_plan", CaseState.IMPLEMENTING: "approve_plan"}


def _records(today: dt.date) -> dict[str, dict[str, Any]]:
    return {
        "assess_initial": {
            "risk_level": "high",
            "in_danger_now": False,
            "needs_emergency": False,
            "level": "intervention",
            "summary": "Đã gặp trẻ và gia đình; thông tin có cơ sở.",
        },
        "decide_emergency": {"emergency_needed": False, "note": "Trẻ không gặp nguy hiểm tức thời."},
        "assess_specific": {
            "level": "intervention",
            "needs": "Khám sức khỏe, hỗ trợ tâm lý, tư vấn gia đình.",
            "meeting_date": today,
            "participants": "Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế phường, giáo viên chủ nhiệm",
            "minutes": "Thống nhất các nhu cầu hỗ trợ.",
        },
        "draft_plan": {
            "goals": "Trẻ an toàn, được khám và hỗ trợ tâm lý.",
            "end_date": today + dt.timedelta(days=60),
            "activities": [
                {
                    "activity": "Khám sức khỏe",
                    "responsible": "Trạm Y tế phường",
                    "start": today,
                    "end": today + dt.timedelta(days=7),
                    "resources": "",
                }
            ],
        },
        "approve_plan": {"decision_number": "07/QĐ-UBND", "note": ""},
    }


def _case_at(state: str, *, child_name: str, born: dt.date, text: str) -> Case:
    """A case of commune A (report, child, case) taken by officer_a and chair_a up to `state`."""
    officer, chair = User.objects.get(username="officer_a"), User.objects.get(username="chair_a")
    assert officer.unit is not None
    report = report_receive(
        actor=officer,
        data=ReportData(
            report_type="thong_bao",
            channel=Term.objects.get(kind=TermKind.CHANNEL, code="school"),
            received_at=timezone.now() - dt.timedelta(hours=3),
            description=text,
            environment="school",
            incident_unit=officer.unit,
            forms=["violence"],
            reporter_name="Cô Vũ Thị Hạnh",
            reporter_phone="0912 000 222",
        ),
    )
    child = child_register(
        actor=officer,
        data=ChildData(full_name=child_name, sex="female", residence_unit=officer.unit, date_of_birth=born),
    )
    report_attach_child(actor=officer, report=report, child=child)
    case = report.cases.get(child=child)
    records = _records(timezone.localdate())
    for action in WALK:
        case.refresh_from_db()
        actor = chair if action in CHAIR_STEPS else officer
        case_act(actor=actor, case=case, action=action, version=case.version, data=records[action])
        if LAST_STEP[state] == action:
            break
    case.refresh_from_db()
    assert case.state == state
    return case


# --- small steps shared by the journeys ------------------------------------------------------------------------------


def _open_case(journey: Journey, reference: str) -> None:
    """From anywhere: the cases list, then the case's link."""
    journey.nav("Hồ sơ vụ việc")
    journey.main.get_by_role("link", name=reference, exact=True).click()
    expect(journey.page.get_by_role("heading", level=1)).to_contain_text(f"Hồ sơ {reference}")


def _take_case_step(journey: Journey, label: str) -> None:
    """A button of the case page's "Việc tiếp theo" (a link to the step's form)."""
    journey.step(label)
    journey.main.get_by_role("link", name=label, exact=True).click()
    expect(journey.page.get_by_role("heading", level=1)).to_have_text(label)


def _record(journey: Journey, label: str, state: str) -> None:
    """Send the step's form; back on the case page, which says so and shows the new step."""
    journey.main.get_by_role("button", name="Ghi nhận").click()
    expect(journey.main).to_contain_text(f"Đã ghi nhận: {label}.")
    expect(journey.main.locator("h1 + p")).to_contain_text(state)


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
    main.get_by_role("button", name="Lưu thông tin").click()
    expect(main).to_contain_text("Đã tiếp nhận thông tin số")
    reference = re.findall(r"\d{4}-14797-\d{6}", main.get_by_role("alert").first.inner_text())[0]

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
    main.get_by_role("link", name="Xong, về thông tin").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    journey.screens("report-officer")
    main.get_by_role("link", name=re.compile(r"^HS-\d{6}$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nguyễn Minh An")
    case_ref = re.findall(r"HS-\d{6}", page.get_by_role("heading", level=1).inner_text())[0]
    expect(main.locator("h1 + p")).to_contain_text("Mới tiếp nhận")

    label = "Đánh giá nguy cơ ban đầu – Mẫu 02"
    _take_case_step(journey, label)
    page.get_by_label("Cao", exact=True).check()
    page.get_by_label("Mức độ bảo vệ dự kiến").select_option(label="Can thiệp")
    page.get_by_label("Nhận định, thông tin đã xác minh").fill(
        "Đã gặp cháu và mẹ; có vết bầm ở tay. Bố thường xuyên say rượu."
    )
    _record(journey, label, "Đã đánh giá nguy cơ ban đầu")
    journey.logout()

    # The chair decides on emergency protection (NĐ 56 Đ26 k3: within 12 hours of the report).
    journey.login("chair_a")
    _open_case(journey, case_ref)
    label = "Quyết định áp dụng biện pháp bảo vệ khẩn cấp (hoặc không cần)"
    _take_case_step(journey, label)
    expect(page.get_by_label("Áp dụng biện pháp bảo vệ khẩn cấp", exact=True)).not_to_be_checked()
    page.get_by_label("Lý do, căn cứ").fill("Cháu đang ở với mẹ, bố đã cam kết không đánh con; theo dõi hằng ngày.")
    _record(journey, label, "Đã quyết định về bảo vệ khẩn cấp")
    journey.logout()

    journey.login("officer_a")
    _open_case(journey, case_ref)
    label = "Đánh giá cụ thể, họp xác định nhu cầu – Mẫu 03"
    _take_case_step(journey, label)
    page.get_by_label("Can thiệp", exact=True).check()
    page.get_by_label("Nhu cầu của trẻ em và gia đình").fill("Khám sức khỏe; tư vấn tâm lý; tư vấn cho cha mẹ.")
    page.get_by_label("Ngày họp xác định nhu cầu").fill(_d(today))
    page.get_by_label("Thành phần tham dự").fill("Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế, Hội LHPN phường")
    page.get_by_label("Nội dung biên bản họp").fill("Thống nhất các nhu cầu và người phụ trách.")
    _record(journey, label, "Đã đánh giá cụ thể, cần kế hoạch")

    label = "Xây dựng kế hoạch hỗ trợ, can thiệp – Mẫu 04"
    _take_case_step(journey, label)
    page.get_by_label("Mục tiêu của kế hoạch").fill("Cháu an toàn, được khám và hỗ trợ tâm lý; cha mẹ được tư vấn.")
    page.get_by_label("Kế hoạch thực hiện đến ngày").fill(_d(today + dt.timedelta(days=60)))
    for n, (activity, who, days) in enumerate(
        [
            ("Khám sức khỏe, đánh giá tổn thương", "Trạm Y tế phường", 7),
            ("Tư vấn tâm lý (4 buổi)", "Trung tâm CTXH", 30),
        ],
        start=1,
    ):
        row = page.get_by_role("group", name=f"Hoạt động {n}", exact=True)
        row.get_by_label("Hoạt động", exact=True).fill(activity)
        row.get_by_label("Người, cơ quan thực hiện").fill(who)
        row.get_by_label("Từ ngày").fill(_d(today))
        row.get_by_label("Đến ngày").fill(_d(today + dt.timedelta(days=days)))
    _record(journey, label, "Kế hoạch chờ phê duyệt")
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
    case = _case_at(
        CaseState.PLAN_DRAFTED,
        child_name="Hoàng Thu Trang",
        born=dt.date(2013, 4, 9),
        text="Cháu Trang bị bạn cùng lớp đánh, đe doạ nhiều lần.",
    )
    page, main = journey.page, journey.main
    journey.login("chair_a")
    journey.screens("home-chair")
    _open_case(journey, str(case))
    expect(main.locator("h1 + p")).to_contain_text("Kế hoạch chờ phê duyệt")
    label = "Phê duyệt kế hoạch – Mẫu 05"
    _take_case_step(journey, label)
    page.get_by_label("Số quyết định phê duyệt").fill("15/QĐ-UBND")
    page.get_by_label("Ý kiến").fill("Đồng ý; Trạm Y tế khám trong tuần này.")
    _record(journey, label, "Đang thực hiện kế hoạch")
    journey.screens("case-chair")

    case.refresh_from_db()
    assert case.state == CaseState.IMPLEMENTING
    assert case.plans.get().status == "approved"


# --- 3 ----------------------------------------------------------------------------------------------------------------


def test_officer_refers_to_the_police_who_accept_and_complete(journey: Journey):
    case = _case_at(
        CaseState.IMPLEMENTING,
        child_name="Lương Thị Mai",
        born=dt.date(2012, 7, 21),
        text="Cháu Mai bị một nhóm thanh niên chặn đường, đánh khi đi học về.",
    )
    page, main = journey.page, journey.main
    journey.login("officer_a")
    _open_case(journey, str(case))

    journey.step("draft the referral")
    main.get_by_role("link", name="Chuyển tuyến đến cơ quan phối hợp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lập chuyển tuyến")
    agency = page.get_by_label("Cơ quan nhận")
    agency.select_option(agency.locator("option", has_text=POLICE).get_attribute("value"))
    page.get_by_label("Khẩn cấp", exact=True).check()
    page.get_by_label("Dịch vụ, hỗ trợ đề nghị").fill("Điều tra, xác minh; xử lý người có hành vi xâm hại.")
    page.get_by_label("Thông tin cơ quan cần để thực hiện").fill("Cháu và mẹ có thể làm việc buổi chiều.")
    page.get_by_role("group", name="Ý kiến của trẻ").get_by_label("Đồng ý", exact=True).check()
    page.get_by_role("group", name="Ý kiến của cha mẹ, người chăm sóc").get_by_label("Đồng ý", exact=True).check()
    main.get_by_role("button", name="Lưu dự thảo").click()
    expect(main).to_contain_text("Đã lưu dự thảo chuyển tuyến")
    referral_ref = re.findall(r"CT-\d{6}", page.get_by_role("heading", level=1).inner_text())[0]

    journey.step("send the referral")
    main.get_by_role("link", name="Gửi chuyển tuyến", exact=True).click()
    main.get_by_role("button", name="Gửi chuyển tuyến", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Gửi chuyển tuyến.")
    expect(main.locator("h1 + p")).to_contain_text("Đã gửi, chờ phản hồi")
    journey.screens("referral-officer")
    journey.logout()

    journey.login("police")
    journey.screens("home-police")
    journey.step("police accept")
    journey.nav("Chuyển tuyến")
    main.get_by_role("link", name=referral_ref, exact=True).click()
    expect(main).to_contain_text("Lương Thị Mai")  # the agency sees the child it has to act for
    main.get_by_role("link", name="Tiếp nhận chuyển tuyến", exact=True).click()
    page.get_by_label("Ghi chú").fill("Đã phân công điều tra viên.")
    main.get_by_role("button", name="Tiếp nhận chuyển tuyến", exact=True).click()
    expect(main.locator("h1 + p")).to_contain_text("Đã tiếp nhận")

    journey.step("police complete")
    main.get_by_role("link", name="Hoàn thành, ghi nhận kết quả", exact=True).click()
    page.get_by_label("Kết quả").select_option(label="Khởi tố vụ án hình sự")
    page.get_by_label("Số quyết định, số văn bản (nếu có)").fill("12/QĐ-CSĐT")
    page.get_by_label("Những việc đã làm").fill("Đã lấy lời khai, xác định người xâm hại; khởi tố vụ án.")
    main.get_by_role("button", name="Hoàn thành, ghi nhận kết quả", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Hoàn thành, ghi nhận kết quả.")
    expect(main.locator("h1 + p")).to_contain_text("Đã hoàn thành")
    expect(main).to_contain_text("Khởi tố vụ án hình sự")
    journey.screens("referral-police")
    journey.logout()

    journey.step("officer sees the outcome")
    journey.login("officer_a")
    _open_case(journey, str(case))
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
    page.get_by_label("Kỳ báo cáo").select_option(value=period.kind)
    page.get_by_label("Năm").fill(str(year))
    main.get_by_role("button", name="Lập hoặc mở báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    main.get_by_role("link", name="Soạn nội dung báo cáo").click()
    page.get_by_label("Kết quả đạt được").fill("Tiếp nhận, xử lý kịp thời các tố giác; phối hợp tốt với Công an.")
    page.get_by_label("Khó khăn, vướng mắc").fill("Cán bộ kiêm nhiệm nhiều việc.")
    page.get_by_label("Kiến nghị, đề xuất").fill("Đề nghị tỉnh tập huấn kỹ năng đánh giá nguy cơ.")
    main.get_by_role("button", name="Soạn nội dung báo cáo").click()
    expect(main).to_contain_text("Đã ghi nhận: Soạn nội dung báo cáo.")
    journey.logout()

    journey.login("chair_a")
    journey.step("chair signs and sends")
    journey.nav("Báo cáo")
    main.get_by_role("link", name=title, exact=True).first.click()  # at the top and in the list
    main.get_by_role("link", name="Ký, gửi báo cáo", exact=True).click()
    page.get_by_label("Số văn bản (Số: .../BC-UBND)").fill("35")
    main.get_by_role("button", name="Ký, gửi báo cáo", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Ký, gửi báo cáo.")
    expect(main.locator("h1 + p")).to_contain_text("Đã gửi")
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
    journey.nav("Báo cáo")
    main.get_by_role("link", name=title, exact=True).first.click()  # at the top and in the list
    expect(main.locator("h1 + p")).to_contain_text("Đã gửi")
    main.get_by_role("link", name="Phê duyệt báo cáo", exact=True).click()
    main.get_by_role("button", name="Phê duyệt báo cáo", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Phê duyệt báo cáo.")
    expect(main.locator("h1 + p")).to_contain_text("Đã phê duyệt")
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
    page.get_by_label("Tìm theo tên hoặc mã định danh").fill("Nguyen Van An")
    main.get_by_role("button", name="Lọc").click()
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
