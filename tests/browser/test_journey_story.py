"""The whole story on today's date, in Chromium on the demo world, as a new Vietnamese user does it:

commune officer logs Mẫu 01 and registers the child → Mẫu 02 → the chair decides emergency protection, seeing Mẫu 02 on
the decision page → Mẫu 03, plan → the chair approves it; the officer is told it is her turn (bell, "Việc của tôi") →
she refers the child to the police and is not offered to accept on their behalf → the police accept and complete →
review with low harm, closure proposed, approved by the chair with the conditions ticked → the latest periodic report
that can be sent today: prepared, signed and sent, approved; what it says about the new case is checked.

Only what a person does (forms, buttons and links by their Vietnamese text or labels); the database is read back at
the end. Names are new (not the demo's).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState
from childprotect.accounts.models import User
from referrals.models import Referral, ReferralStatus
from reporting.models import PeriodicReport, ReportStatus
from reporting.periods import Period, PeriodKind, current_period, latest_sendable_period, period_for
from reporting.services import figures_for

from .journey import (
    COMMUNE_A,
    POLICE,
    Journey,
    approve_report,
    assess_specific,
    case_of_new_child,
    d,
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

CHILD = "Hà Thị Thanh Trúc"
SUMMARY_02 = "Đã gặp cháu tại trường; cháu sợ về nhà, có vết bầm mới ở cánh tay. Bố dượng thường say rượu."


def _period_holding(day: dt.date) -> Period:
    """The annual period whose data window holds `day` (its draft report counts what happens today)."""
    period = current_period(PeriodKind.ANNUAL, day)
    return period if period.start <= day <= period.end else period_for(PeriodKind.ANNUAL, period.year + 1)


def test_the_whole_story_on_todays_date(journey: Journey):
    page, main = journey.page, journey.main
    today = timezone.localdate()

    # --- the commune officer logs the report (Mẫu 01) and registers the child ---------------------------------------
    journey.login("officer_a")
    journey.step("report form")
    journey.nav("Thông tin, tố giác")
    main.get_by_role("link", name="Tiếp nhận thông tin mới").click()
    received = timezone.localtime() - dt.timedelta(minutes=30)
    fill_report(
        page,
        ReportForm(
            received=received,
            channel="Nhà trường",
            kind="Thông báo",
            reporter="Quách Văn Tùng",
            phone="0915 246 810",
            address="Trường THCS Điện Biên",
            description=(
                "Giáo viên chủ nhiệm thấy cháu Trúc có vết bầm ở cánh tay; cháu kể bị bố dượng đánh khi say rượu."
            ),
            form="Bạo lực",
            environment="Gia đình",
            day=today - dt.timedelta(days=1),
            signs=("Trẻ bị thương tích", "Người chăm sóc là người xâm hại"),
            suspects=(Suspect("Bùi Văn Lực", "Cha/mẹ kế, nuôi", age="38", lives_with_child=True),),
        ),
    )
    reference = save_report(journey)

    journey.step("register the child")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Trẻ em trong thông tin {reference}")
    fill_child(
        page, ChildForm(CHILD, "14/08/2014", "Nữ", "Mường", "Tổ dân phố 9", "Đinh Thị Hằng", "mẹ", "0936 135 792")
    )
    main.get_by_role("button", name="Đăng ký và gắn vào thông tin").click()
    expect(main).to_contain_text(f"Đã đăng ký {CHILD} và gắn vào thông tin {reference}.")
    case_ref = case_of_new_child(journey, reference, CHILD)

    # --- Mẫu 02 -------------------------------------------------------------------------------------------------------
    label = "Đánh giá nguy cơ ban đầu – Mẫu 02"
    take_case_step(journey, label)
    page.get_by_label("Cao", exact=True).check()
    page.get_by_label("Trẻ đang gặp nguy hiểm ngay lúc này").check()
    page.get_by_label("Đề nghị áp dụng biện pháp bảo vệ khẩn cấp").check()
    page.get_by_label("Mức độ bảo vệ dự kiến").select_option(label="Can thiệp")
    page.get_by_label("Nhận định, thông tin đã xác minh").fill(SUMMARY_02)
    record(journey, label, "Đã đánh giá nguy cơ ban đầu")
    journey.logout()

    # --- the chair decides emergency protection, with Mẫu 02 in front of him (item 16) --------------------------------
    journey.login("chair_a")
    open_case(journey, case_ref)
    label = "Quyết định áp dụng biện pháp bảo vệ khẩn cấp (hoặc không cần)"
    take_case_step(journey, label)
    assessment = main.get_by_role("region", name="Đánh giá nguy cơ ban đầu (Mẫu 02)")
    expect(assessment).to_be_visible()
    expect(assessment).to_contain_text("Cao")
    expect(assessment).to_contain_text(SUMMARY_02)
    expect(assessment).to_contain_text("Đề nghị áp dụng biện pháp bảo vệ khẩn cấp")
    expect(assessment).to_contain_text("Người chăm sóc là người xâm hại")  # Mẫu 01's danger signs
    journey.screens("story-emergency-decision")
    page.get_by_label("Áp dụng biện pháp bảo vệ khẩn cấp", exact=True).check()
    page.get_by_label("Biện pháp áp dụng").fill("Đưa cháu đi khám tại Trạm Y tế; cháu ở với mẹ tại nhà bà ngoại.")
    page.get_by_label("Lý do, căn cứ").fill("Mẫu 02: nguy cơ cao, người xâm hại sống cùng trẻ (NĐ 56 Điều 26 khoản 3).")
    record(journey, label, "Đã quyết định về bảo vệ khẩn cấp")
    journey.logout()

    # --- the officer: Mẫu 03 and the plan (Mẫu 04) -------------------------------------------------------------------
    journey.login("officer_a")
    open_case(journey, case_ref)
    assess_specific(
        journey,
        needs="Khám sức khỏe; hỗ trợ tâm lý; tư vấn cho mẹ.",
        day=today,
        participants="Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế phường, nhà trường",
        minutes="Thống nhất các nhu cầu và người phụ trách từng việc.",
    )
    draft_plan(
        journey,
        goals="Cháu an toàn, được khám và hỗ trợ tâm lý; người xâm hại bị xử lý.",
        until=today + dt.timedelta(days=45),
        activities=[
            (
                "Khám sức khỏe, đánh giá thương tích",
                "Trạm Y tế phường Hạc Thành",
                today,
                today + dt.timedelta(days=3),
            )
        ],
    )
    journey.logout()

    # --- the chair approves the plan (Mẫu 05) -------------------------------------------------------------------------
    journey.login("chair_a")
    open_case(journey, case_ref)
    label = "Phê duyệt kế hoạch – Mẫu 05"
    take_case_step(journey, label)
    page.get_by_label("Số quyết định phê duyệt").fill("21/QĐ-UBND")
    record(journey, label, "Đang thực hiện kế hoạch")
    journey.logout()

    # --- the officer is told it is her turn (item 14): the bell, "Việc của tôi", one click to the step --------------
    journey.login("officer_a")
    journey.step("her turn on the home page")
    bell = page.get_by_label("Điều hướng chính").get_by_role("link", name=re.compile(r"^Thông báo"))
    expect(bell.locator(".badge")).to_be_visible()
    my_work = main.get_by_role("region", name=re.compile(r"^Việc của tôi"))
    entry = my_work.get_by_role("row").filter(has=page.get_by_role("link", name=f"Hồ sơ {case_ref}", exact=True))
    expect(entry).to_contain_text(CHILD)
    expect(entry).to_contain_text("Đang thực hiện kế hoạch")
    journey.screens("story-home-officer-her-turn")
    bell.click()
    expect(main).to_contain_text(f"– hồ sơ {case_ref}")
    told = main.get_by_role("listitem").filter(has_text=f"hồ sơ {case_ref}").filter(has_text="Đến lượt bạn")
    expect(told.first).to_contain_text("Phê duyệt kế hoạch – Mẫu 05")
    journey.go("/")
    label = "Rà soát, đánh giá – Mẫu 06"
    entry.get_by_role("link", name=label, exact=True).click()  # one click from the home page to the step's form
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    expect(main).to_contain_text(f"Trẻ em: {CHILD}")
    main.get_by_role("link", name="Huỷ", exact=True).click()  # not yet: first the police
    expect(page.get_by_role("heading", level=1)).to_contain_text(case_ref)

    # --- the officer refers the child to the police; she is not offered to accept it for them (item 18) -------------
    referral_ref = refer_to_the_police(
        journey,
        services="Xác minh, xử lý hành vi bạo lực của bố dượng đối với trẻ.",
        information="Cháu ở nhà bà ngoại; mẹ cháu đồng ý làm việc.",
    )
    expect(main).to_contain_text(f"Chờ {POLICE} phản hồi")
    expect(main.get_by_role("link", name="Tiếp nhận chuyển tuyến", exact=True)).to_have_count(0)
    expect(main.locator("a.btn-primary")).to_have_count(0)  # nothing for her to do but wait (or withdraw)
    journey.screens("story-referral-sent-officer")
    journey.logout()

    # --- the police accept and complete with an outcome ---------------------------------------------------------------
    journey.login("police")
    police_accept_and_complete(
        journey,
        referral_ref,
        child=CHILD,
        note="Đã giao cán bộ điều tra xác minh.",
        outcome="Xử phạt vi phạm hành chính",
        number="45/QĐ-XPHC",
        done="Đã lấy lời khai, lập biên bản; xử phạt hành chính người vi phạm.",
    )
    journey.logout()

    # --- review with low harm, closure proposed and approved with the conditions ticked (item 13) --------------------
    journey.login("officer_a")
    open_case(journey, case_ref)
    line = main.locator("p").filter(has=page.get_by_role("link", name=referral_ref, exact=True))
    expect(line).to_contain_text("Đã hoàn thành: Xử phạt vi phạm hành chính (45/QĐ-XPHC)")
    label = "Rà soát, đánh giá – Mẫu 06"
    take_case_step(journey, label)
    for criterion, rating in (
        ("Mức độ tổn hại của trẻ em có còn nghiêm trọng không", "Thấp"),
        ("Khả năng tiếp cận trẻ em của đối tượng xâm hại", "Thấp"),
        ("Những trở ngại trong môi trường chăm sóc trẻ em đối với việc bảo đảm an toàn cho trẻ em", "Thấp"),
        ("Khả năng tự bảo vệ của trẻ em", "Trung bình"),
        ("Khả năng phục hồi của trẻ em", "Cao"),
    ):
        page.get_by_label(f"{criterion}: {rating}", exact=True).check()
    page.get_by_label("Ghi chú về môi trường chăm sóc").fill(
        "Cháu sống cùng mẹ tại nhà bà ngoại; bố dượng đã chuyển đi nơi khác."
    )
    page.get_by_label("Ghi chú về sự phục hồi của trẻ").fill("Cháu đi học đều, vui vẻ; vết thương đã lành.")
    page.get_by_label("Trẻ đã ổn định về thể chất, tâm lý, nhận thức, tình cảm").check()
    page.get_by_label("Kết luận, đề xuất").fill("Trẻ an toàn, ổn định: đề xuất đóng hồ sơ.")
    record(journey, label, "Đã rà soát")
    label = "Đề xuất đóng hồ sơ"
    take_case_step(journey, label)
    page.get_by_label("Ghi chú").fill("Các điều kiện đóng hồ sơ đã đủ.")
    record(journey, label, "Đề xuất đóng hồ sơ")
    journey.logout()

    journey.login("chair_a")
    open_case(journey, case_ref)
    label = "Phê duyệt đóng hồ sơ"
    take_case_step(journey, label)
    conditions = main.get_by_role("region", name="Điều kiện đóng hồ sơ (NĐ 56/2017 Điều 30)")
    expect(conditions.get_by_role("listitem")).to_have_count(7)
    expect(conditions.locator("li.text-success")).to_have_count(7)
    expect(conditions.locator("li.text-danger")).to_have_count(0)
    for condition in (
        "Biện pháp tách trẻ khỏi môi trường đã chấm dứt bằng quyết định",
        "Lần rà soát gần nhất theo Mẫu 06 (đủ các tiêu chí)",
        "Mẫu 06, tổng mức độ tổn hại: không tiêu chí nào ở mức Cao, cả ba ở mức Thấp",
        "Khả năng phục hồi của trẻ em từ mức trung bình trở lên",
        "Trẻ đã ổn định về thể chất, tâm lý, nhận thức, tình cảm",
    ):
        expect(conditions.get_by_role("listitem").filter(has_text=condition)).to_contain_text(f"✓ Đạt: {condition}")
    journey.screens("story-closure-chair")
    page.get_by_label("Ghi chú").fill("Đồng ý đóng hồ sơ.")
    record(journey, label, "Đã đóng")
    journey.logout()

    # --- the latest periodic report that can be sent today (item 12) --------------------------------------------------
    period = latest_sendable_period(today)
    holds_today = period.start <= today <= period.end
    title = f"Báo cáo {period.label} – {COMMUNE_A}"

    journey.login("officer_a")
    journey.step("prepare the periodic report")
    journey.nav("Báo cáo")
    open_periodic_report(journey, period.kind, period.year, title)
    main.get_by_role("link", name="Tính lại số liệu", exact=True).click()
    main.get_by_role("button", name="Tính lại số liệu", exact=True).click()
    write_periodic_report(
        journey,
        achieved="Tiếp nhận và xử lý kịp thời các thông tin; phối hợp tốt với Công an.",
        difficulties="Thiếu nơi tạm trú an toàn cho trẻ.",
        proposals="Đề nghị tỉnh hỗ trợ kinh phí tư vấn tâm lý cho trẻ.",
    )
    journey.logout()

    journey.login("chair_a")
    sign_and_send(journey, title, "52")
    journey.logout()

    journey.login("supervisor")
    journey.step("supervisor approves")
    open_listed_report(journey, title)
    approve_report(journey)
    journey.screens("story-periodic-report-approved")
    report_url = page.url

    # What the report says of the new case: the figures' drill-down (C04: children reported) lists the children counted.
    journey.step("the report's figures")
    figure = main.get_by_role("row").filter(has_text="C04. Số trẻ em trong các thông tin")
    figure.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("C04.")
    if holds_today:  # today is the period's last day: the case received today is in it
        expect(main.get_by_role("link", name=case_ref, exact=True)).to_be_visible()
        expect(main).to_contain_text(CHILD)
    else:  # received today, after the period ended: rightly not counted (it belongs to the next report)
        expect(main).not_to_contain_text(CHILD)
        expect(main.get_by_role("link", name=case_ref, exact=True)).to_have_count(0)
    journey.screens("story-periodic-report-figure")
    journey.logout()

    # ...and the report of the period running today counts it already, in its draft, not sendable before its end.
    current = _period_holding(today)
    if not holds_today:
        journey.login("officer_a")
        journey.step("the running period's draft")
        journey.nav("Báo cáo")
        expect(main).to_contain_text(f"gửi được từ ngày {d(current.send_opens)}, khi kỳ báo cáo kết thúc")
        open_periodic_report(journey, current.kind, current.year, f"Báo cáo {current.label} – {COMMUNE_A}")
        expect(main.get_by_role("link", name="Ký, gửi báo cáo", exact=True)).to_have_count(0)
        for code in ("C04", "K01", "F01"):  # children abused, cases closed, referrals: the new case in each
            journey.step(f"draft figure {code}")
            main.get_by_role("row").filter(has_text=f"{code}. ").get_by_role("link").first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(f"{code}. ")
            expect(main).to_contain_text(CHILD)
            if code == "C04":
                journey.screens("story-running-period-figure")
            page.go_back()

    # --- the database says what the pages said ------------------------------------------------------------------------
    case = Case.objects.get(child__full_name=CHILD)
    assert str(case) == case_ref and case.report.reference == reference
    assert case.state == CaseState.CLOSED and case.closed_at is not None
    assert [s.action for s in case.steps.order_by("at", "id")] == [
        "open",
        "assess_initial",
        "decide_emergency",
        "assess_specific",
        "draft_plan",
        "approve_plan",
        "review",
        "propose_closure",
        "approve_closure",
    ]
    assert case.emergency_measures.count() == 1
    referral = Referral.objects.get(case=case)
    assert str(referral) == referral_ref and referral.agency.name == POLICE
    assert referral.status == ReferralStatus.COMPLETED and referral.outcome_reference == "45/QĐ-XPHC"
    assert not referral.events.filter(on_behalf=True).exists()
    officer = User.objects.get(username="officer_a")
    assert officer.notifications.filter(title__startswith="Đến lượt bạn", url__endswith=f"/cases/{case.pk}/").exists()
    report = PeriodicReport.objects.get(kind=period.kind, year=period.year, unit__name=COMMUNE_A)
    assert report.status == ReportStatus.APPROVED and report.number == "52"
    assert report_url.endswith(f"/periodic-reports/{report.pk}/")
    approver = report.sent_versions.get().approved_by
    assert approver is not None and approver.username == "supervisor"
    # The sent figures are the period's: the new case counts in them only if it was received inside the period.
    start, stop = period.bounds()
    assert (start <= case.report.received_at < stop) == holds_today
    frozen, now = report.sent_versions.get().figures["indicators"], figures_for(report.unit, period)["indicators"]
    assert {code: frozen[code]["total"] for code in ("R01", "C04", "K01")} == {
        code: now[code]["total"] for code in ("R01", "C04", "K01")
    }
    if not holds_today:
        running = PeriodicReport.objects.get(kind=current.kind, year=current.year, unit__name=COMMUNE_A)
        assert running.status == ReportStatus.DRAFT
