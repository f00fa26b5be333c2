"""The offline field app's work as an officer does it, in Chromium at 390 px on the demo world (docs/field.md#screens):
carry a case, work without signal (a report with a child, a child registered, a step on the carried case), reload and
unlock offline, then sync: each item on the server exactly once, a conflict seen side by side and resolved, a refusal
shown with its reason, a case transferred away while offline, an account deactivated before the sync, and the logout
that wipes the device.

Only what a person does in the app (its buttons, links and labels); the server is changed meanwhile through the
services, and read back at the end.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState, CaseStep, Child, Report
from cases.services import case_act
from childprotect.accounts.models import User
from childprotect.places.models import AdminUnit

from .field import (
    database_exists,
    field_context,
    log_in_phone,
    open_field,
    raw_holds,
    raw_idb,
    set_up_pin,
    store_call,
    unlock,
)
from .journey import SCREENS, case_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

OFFICER = "officer_a"
CARRIED_CHILD = "Đinh Thị Mai"
REPORTED_CHILD = "Lò Văn Páo"
REGISTERED_CHILD = "Hà Thị Sinh"
DESCRIPTION = "Trẻ bị cha say rượu đánh ở nương rẫy, hàng xóm báo tin khi cán bộ đến thôn."
COMMUNE_B = "14758"  # Phường Hàm Rồng


@pytest.fixture
def phone(request, chromium, live_server, world):
    """A phone's browser: officer_a signed in, /field/ open under its service worker, the PIN set."""
    context = field_context(chromium)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_field(page, live_server.url, OFFICER, world.password)
    set_up_pin(page)
    page.errors = errors
    yield page
    try:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            from .journey import ARTIFACTS

            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failed.png"), full_page=True)
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    """A photograph of the screen at 390 px for people to look at (var/artifacts/screens/); nothing asserted."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"field-{name}.png"), full_page=True)


def implementing_case(child: str, text: str) -> Case:
    return case_at(CaseState.IMPLEMENTING, child_name=child, born=dt.date(2015, 3, 5), text=text)


def tab(page: Any, name: str) -> None:
    page.locator("#tabs").get_by_role("link", name=name, exact=True).click()


def carry(page: Any, case: Case) -> None:
    """#/cases, online: "Mang theo" on the case's row."""
    tab(page, "Việc ngoại tuyến")  # a screen drawn anew: the last outcome shown is gone
    tab(page, "Hồ sơ")
    page.locator(f"li[data-case='{case.pk}']").get_by_role("button", name="Mang theo").click()
    expect(page.locator("#app-flash")).to_contain_text("Đã mang theo hồ sơ")


def go_offline(page: Any) -> None:
    page.context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Ngoại tuyến")


def go_online_and_sync(page: Any, expected: str = "Đồng bộ xong") -> None:
    """Back online: the app syncs by itself (the online event); its outcome is shown above the queue."""
    tab(page, "Hàng chờ")
    page.context.set_offline(False)
    expect(page.locator("#app-flash")).to_contain_text(expected)


def sync_now(page: Any, expected: str = "Đồng bộ xong") -> None:
    tab(page, "Việc ngoại tuyến")  # a screen drawn anew: the last outcome shown is gone
    tab(page, "Hàng chờ")
    expect(page.locator("#app-flash")).to_be_empty()
    page.locator("#sync-now").click()
    expect(page.locator("#app-flash")).to_contain_text(expected)


def item(page: Any, title_part: str) -> Any:
    return page.locator("li.queue-item", has_text=title_part)


def log_report(page: Any) -> None:
    """Mẫu 01 offline: the receipt time kept as the form set it (now), one child, one perpetrator."""
    tab(page, "Báo cáo")
    view = page.locator("#view")
    expect(view.get_by_text("thời hạn 12 giờ tính từ thời điểm này")).to_be_visible()
    view.get_by_label("Kênh tiếp nhận").select_option(label="Điện thoại")
    view.get_by_label("Loại", exact=True).select_option("thong_bao")
    expect(view.get_by_label("Người báo tin giấu tên")).to_be_checked()
    view.get_by_label("Nội dung sự việc").fill(DESCRIPTION)
    view.get_by_label("Môi trường xảy ra").select_option("family")
    view.get_by_label("Bạo lực", exact=True).check()
    view.get_by_role("button", name="Thêm trẻ em").click()
    view.get_by_label("Họ và tên trẻ em").fill(REPORTED_CHILD)
    view.get_by_label("Giới tính").select_option("male")
    view.get_by_label("Ngày sinh").fill("2016-04-02")
    view.get_by_role("button", name="Thêm người gây hại").click()
    perp = view.locator("fieldset.perp-card").first
    perp.get_by_label("Quan hệ với trẻ em").select_option("parent")
    perp.get_by_label("Giới tính").select_option("male")
    perp.get_by_label("Tuổi (ước tính)").fill("130")
    view.get_by_role("button", name="Lưu vào hàng chờ").click()  # the client's check, as the server's 0..120
    expect(view.locator("[data-error-for='/perpetrators/0/approx_age']")).to_contain_text("từ 0 đến 120")
    perp.get_by_label("Tuổi (ước tính)").fill("41")
    perp.get_by_label("Sống cùng trẻ em").check()
    shot(page, "report")
    view.get_by_role("button", name="Lưu vào hàng chờ").click()
    expect(page.locator("#app-flash")).to_contain_text("Đã lưu báo cáo trên máy")


def register_child(page: Any, name: str, born: str) -> None:
    tab(page, "Trẻ em")
    view = page.locator("#view")
    view.get_by_label("Họ và tên trẻ em").fill(name)
    view.get_by_label("Giới tính").select_option("female")
    view.get_by_label("Ngày sinh").fill(born)
    view.get_by_role("button", name="Lưu vào hàng chờ").click()
    expect(page.locator("#app-flash")).to_contain_text("Đã lưu đăng ký trẻ em trên máy")


def open_carried(page: Any, case: Case) -> None:
    tab(page, "Hồ sơ")
    page.locator(f"li[data-case='{case.pk}'] a.row-link").first.click()
    expect(page.locator("#view h1")).to_have_text(f"Hồ sơ số {case.pk}")


def draft_activity(page: Any, case: Case, activity: str) -> None:
    open_carried(page, case)
    view = page.locator("#view")
    view.get_by_role("button", name="Ghi kết quả thực hiện").click()
    view.get_by_label("Hoạt động đã thực hiện").fill(activity)
    view.get_by_label("Ngày thực hiện").fill(timezone.localdate().isoformat())
    view.get_by_label("Kết quả").fill("Gia đình hợp tác, trẻ đi học đều.")
    view.get_by_role("button", name="Lưu vào hàng chờ").click()
    expect(page.locator("#app-flash")).to_contain_text("Đã lưu trên máy")


def draft_review(page: Any, case: Case) -> None:
    open_carried(page, case)
    view = page.locator("#view")
    view.get_by_role("button", name="Rà soát – Mẫu 06").click()
    for group in view.locator(".rating").all():
        group.locator("input[value='low']").check()
    view.get_by_label("Kết luận, đề xuất").fill("Trẻ đã ổn định; đề nghị đóng hồ sơ.")
    shot(page, "case-review")
    view.get_by_role("button", name="Lưu vào hàng chờ").click()
    expect(page.locator("#app-flash")).to_contain_text("Đã lưu trên máy")


def carried_ids(page: Any) -> list[str]:
    return store_call(page, 'return (await store.all("case")).map((r) => r.id);')


def test_offline_report_and_child_survive_a_reload_encrypted_and_reach_the_server_once(phone):
    page = phone
    case = implementing_case(CARRIED_CHILD, "Cô giáo báo trẻ nghỉ học nhiều ngày.")
    carry(page, case)

    go_offline(page)
    log_report(page)
    register_child(page, REGISTERED_CHILD, "2017-09-12")
    expect(page.locator("#pending")).to_have_text("2 chưa gửi")

    # Reloaded without signal: the shell from the service worker, the PIN, and the work still there.
    page.reload()
    unlock(page)
    tab(page, "Hàng chờ")
    expect(page.locator("li.queue-item[data-status='pending']")).to_have_count(2)
    tab(page, "Việc ngoại tuyến")
    expect(page.locator("[data-count='pending'] .tile-n")).to_have_text("2")
    shot(page, "home-offline")
    tab(page, "Hàng chờ")
    open_carried(page, case)
    expect(page.locator("#view")).to_contain_text(CARRIED_CHILD)

    # The queued report drawn back for editing: its perpetrator as typed (`?item=`).
    queued = 'return (await store.all("queue")).filter((r) => r.value.kind === "report").map((r) => r.value.id);'
    (report_item,) = store_call(page, queued)
    page.evaluate("(id) => { location.hash = '#/report?item=' + id; }", report_item)
    perp = page.locator("#view fieldset.perp-card")
    expect(perp).to_have_count(1)
    expect(perp.get_by_label("Quan hệ với trẻ em")).to_have_value("parent")
    expect(perp.get_by_label("Giới tính")).to_have_value("male")
    expect(perp.get_by_label("Tuổi (ước tính)")).to_have_value("41")
    page.locator("#view").get_by_role("link", name="Huỷ").click()

    # The raw IndexedDB: nothing readable of the names, the report, the carried case.
    dump = raw_idb(page)
    assert dump is not None and len(dump["records"]) >= 4
    for secret in (REPORTED_CHILD, REGISTERED_CHILD, CARRIED_CHILD, DESCRIPTION[:30], "Páo"):
        assert not raw_holds(dump, secret), secret

    # Back online, the report's answer lost on the way (the server wrote it): the sync stops, the items stay.
    lost: list[int] = []

    def lose_first_answer(route: Any) -> None:
        if lost:
            route.continue_()
            return
        lost.append(route.fetch().status)
        route.abort("internetdisconnected")

    page.route("**/api/v1/reports/", lose_first_answer)
    go_online_and_sync(page, "Mất kết nối khi đang gửi")
    assert lost == [201]
    assert Report.objects.filter(description=DESCRIPTION).count() == 1
    expect(item(page, "Báo cáo")).to_have_attribute("data-status", "pending")

    # Sent again with the same key: the first answer replayed, nothing written twice.
    sync_now(page, "đã gửi 2")
    report = Report.objects.get(description=DESCRIPTION)
    assert report.entered_offline
    expect(item(page, "Báo cáo")).to_contain_text(f"Số tiếp nhận: {report.reference}")
    expect(item(page, "Đăng ký trẻ em")).to_have_attribute("data-status", "sent")
    sync_now(page, "đã gửi 0")
    assert Report.objects.filter(description=DESCRIPTION).count() == 1
    assert Child.objects.filter(full_name=REPORTED_CHILD).count() == 1
    assert Child.objects.filter(full_name=REGISTERED_CHILD).count() == 1
    assert report.children.filter(full_name=REPORTED_CHILD).exists()
    perps = list(report.perpetrators.values_list("relation__code", "sex", "approx_age"))
    assert perps == [("parent", "male", 41)]
    expect(page.locator("#pending")).to_have_text("Đã gửi hết")
    # A sent item keeps no body on the device.
    bodies = store_call(page, 'return (await store.all("queue")).map((r) => r.value.body ?? null);')
    assert bodies == [None, None]
    assert not page.errors


def test_a_conflict_is_shown_side_by_side_and_the_state_may_then_refuse(phone):
    page = phone
    officer = User.objects.get(username=OFFICER)
    changed = implementing_case("Vàng Thị Dung", "Trẻ bị bạo lực ở nhà.")
    reviewed = implementing_case("Sùng Văn Chứ", "Trẻ bỏ học đi làm thuê.")
    carry(page, changed)
    carry(page, reviewed)

    go_offline(page)
    draft_review(page, changed)
    draft_activity(page, reviewed, "Thăm gia đình lần hai")

    # Meanwhile on the server: an activity logged on one case, the other case reviewed (no longer implementing).
    changed.refresh_from_db()
    case_act(
        actor=officer,
        case=changed,
        action="log_activity",
        version=changed.version,
        data={"activity": "Gặp giáo viên chủ nhiệm", "done_on": timezone.localdate(), "note": "Trẻ đi học lại."},
    )
    reviewed.refresh_from_db()
    case_act(
        actor=officer,
        case=reviewed,
        action="review",
        version=reviewed.version,
        data={
            **dict.fromkeys(
                ("harm_severity", "abuser_access", "care_obstacles", "self_protection", "recovery_level"), "low"
            ),
            "risk_remains": False,
            "child_stable": True,
            "care_environment": "",
            "recovery": "",
            "conclusion": "Đã ổn định.",
        },
    )
    activities = CaseStep.objects.filter(case=reviewed, action="log_activity").count()

    go_online_and_sync(page, "xung đột 2")
    expect(page.locator("li.queue-item[data-status='conflict']")).to_have_count(2)
    shot(page, "queue-conflicts")

    # Both sides: the server's case with the step made meanwhile, and the officer's draft.
    item(page, f"hồ sơ số {changed.pk}").get_by_role("link", name="Xem và chọn").click()
    server, mine = page.locator(".side-server"), page.locator(".side-mine")
    shot(page, "conflict")
    expect(server).to_contain_text("Ghi nhận kết quả thực hiện kế hoạch")
    expect(server).to_contain_text("Đang thực hiện kế hoạch")
    expect(mine).to_contain_text("Trẻ đã ổn định; đề nghị đóng hồ sơ.")
    page.get_by_role("button", name="Gửi bản của tôi trên phiên bản mới").click()
    expect(page.locator("#app-flash")).to_contain_text("đã gửi 1")
    changed.refresh_from_db()
    assert changed.state == CaseState.REVIEWED
    review = changed.steps.get(action="review")
    assert review.record["conclusion"] == "Trẻ đã ổn định; đề nghị đóng hồ sơ."
    assert "offline" in review.record

    # The other: sent on the new version, the workflow refuses it (reviewed); shown, nothing written.
    item(page, f"hồ sơ số {reviewed.pk}").get_by_role("link", name="Xem và chọn").click()
    expect(page.locator(".side-server")).to_contain_text("Rà soát")
    page.get_by_role("button", name="Gửi bản của tôi trên phiên bản mới").click()
    expect(page.locator("#app-flash")).to_contain_text("bị từ chối 1")
    refused = item(page, f"hồ sơ số {reviewed.pk}")
    expect(refused).to_have_attribute("data-status", "refused")
    expect(refused.locator(".reason")).not_to_be_empty()
    assert CaseStep.objects.filter(case=reviewed, action="log_activity").count() == activities

    # Dropped at the officer's word only (confirmed).
    page.once("dialog", lambda dialog: dialog.accept())
    refused.get_by_role("button", name="Bỏ").click()
    expect(refused).to_have_count(0)
    expect(page.locator("#pending")).to_have_text("Đã gửi hết")
    assert not page.errors


def test_refusals_access_lost_a_deactivated_account_and_the_logout(phone, live_server):
    page = phone
    case = implementing_case("Giàng Thị Pằng", "Trẻ bị ép đi làm xa nhà.")
    carry(page, case)

    go_offline(page)
    draft_activity(page, case, "Làm việc với trưởng thôn")
    register_child(page, "Nguyễn Văn Lớn", "2008-01-15")  # 16 or more: the server refuses

    # Meanwhile the supervisor moves the case to commune B.
    case.refresh_from_db()
    case_act(
        actor=User.objects.get(username="supervisor"),
        case=case,
        action="transfer",
        version=case.version,
        data={
            "to_unit": AdminUnit.objects.get(list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST, code=COMMUNE_B),
            "reason": "Gia đình trẻ chuyển đến phường Hàm Rồng.",
        },
    )
    steps = CaseStep.objects.filter(case=case).count()

    go_online_and_sync(page, "không còn quyền 1")
    lost = item(page, f"hồ sơ số {case.pk}")
    expect(lost).to_have_attribute("data-status", "access_lost")
    expect(lost).to_contain_text("Bạn không còn quyền với hồ sơ")
    shot(page, "queue-refused-and-lost")
    assert CaseStep.objects.filter(case=case).count() == steps
    assert str(case.pk) not in carried_ids(page)

    # The refused child: the reason on its field, corrected, sent.
    refused = item(page, "Đăng ký trẻ em")
    expect(refused).to_have_attribute("data-status", "refused")
    expect(refused).to_contain_text("không thể đăng ký là trẻ em")
    assert not Child.objects.filter(full_name="Nguyễn Văn Lớn").exists()
    refused.get_by_role("link", name="Sửa").click()
    dob = page.locator("#view").get_by_label("Ngày sinh")
    expect(dob).to_have_class(re.compile("is-invalid"))
    expect(page.locator("[data-error-for='/date_of_birth']")).to_contain_text("không thể đăng ký là trẻ em")
    shot(page, "child-refused")
    dob.fill("2012-01-15")
    page.get_by_role("button", name="Lưu thay đổi").click()
    sync_now(page, "đã gửi 1")
    assert Child.objects.filter(full_name="Nguyễn Văn Lớn").count() == 1

    # The account deactivated before the next sync: the clear message, nothing removed, nothing written.
    go_offline(page)
    register_child(page, "Trần Thị Nhỏ", "2019-06-01")
    User.objects.filter(username=OFFICER).update(is_active=False)
    go_online_and_sync(page, "tài khoản không còn hoạt động")
    shot(page, "deactivated")
    expect(item(page, "Đăng ký trẻ em").last).to_have_attribute("data-status", "pending")
    assert not Child.objects.filter(full_name="Trần Thị Nhỏ").exists()
    assert store_call(page, "return (await store.meta()).pending;") == 1

    # The logout warns about the unsent item, then wipes the device.
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#logout").click()
    page.wait_for_url("**/accounts/login/**")
    assert not database_exists(page) or store_call(page, "return await store.state();") == "empty"
    assert not page.errors


def test_another_account_signed_in_on_the_phone_sends_nothing_of_the_first(phone, live_server, world):
    """The device's store is officer A's; another officer signs in on the same browser without logging out (the
    session cookie gone, nothing wiped): the sync names both accounts and sends nothing."""
    page = phone
    go_offline(page)
    register_child(page, "Vàng Thị Dính", "2017-09-03")
    page.goto("about:blank")  # the app closed first: back online, it would sync by itself
    page.context.set_offline(False)
    page.context.clear_cookies()
    log_in_phone(page, live_server.url, "officer_b", world.password)
    page.goto(live_server.url.rstrip("/") + "/field/")
    unlock(page)
    sync_now(page, "Máy này đang giữ dữ liệu của tài khoản officer_a")
    expect(page.locator("#app-flash")).to_contain_text("đăng nhập bằng tài khoản officer_b")
    shot(page, "owner-mismatch")
    expect(item(page, "Đăng ký trẻ em")).to_have_attribute("data-status", "pending")
    assert store_call(page, "return (await store.meta()).pending;") == 1
    assert not Child.objects.filter(full_name="Vàng Thị Dính").exists()
    assert not page.errors


def test_the_reports_children_and_perpetrators_are_added_and_removed_keeping_what_was_typed(phone):
    """Mẫu 01's lists of entries: removing one keeps the others as typed (renumbered), the perpetrators stop at the
    API's ten, and the report kept in the queue holds exactly what is on screen."""
    page = phone
    tab(page, "Báo cáo")
    view = page.locator("#view")
    children = view.locator("div.children fieldset.child-card")
    for name in ("Lò Văn Một", "Lò Thị Hai", "Lò Văn Ba"):
        view.get_by_role("button", name="Thêm trẻ em").click()
        children.last.get_by_label("Họ và tên trẻ em").fill(name)
    children.nth(1).get_by_role("button", name="Bỏ trẻ em này").click()
    expect(children).to_have_count(2)
    expect(children.nth(0).get_by_label("Họ và tên trẻ em")).to_have_value("Lò Văn Một")
    expect(children.nth(1).get_by_label("Họ và tên trẻ em")).to_have_value("Lò Văn Ba")
    expect(children.nth(1).locator("legend")).to_have_text("Trẻ em thứ 2")

    add_perp = view.get_by_role("button", name="Thêm người gây hại")
    perps = view.locator("div.perpetrators fieldset.perp-card")
    for age in range(30, 40):
        add_perp.click()
        perps.last.get_by_label("Tuổi (ước tính)").fill(str(age))
    expect(perps).to_have_count(10)
    expect(add_perp).to_be_hidden()  # the API's limit
    perps.first.get_by_role("button", name="Bỏ người này").click()
    expect(perps).to_have_count(9)
    expect(add_perp).to_be_visible()
    expect(perps.first.get_by_label("Tuổi (ước tính)")).to_have_value("31")
    expect(perps.last.locator("legend")).to_have_text("Người gây hại thứ 9")

    view.get_by_label("Kênh tiếp nhận").select_option(label="Điện thoại")
    view.get_by_label("Loại", exact=True).select_option("thong_bao")
    view.get_by_label("Nội dung sự việc").fill(DESCRIPTION)
    view.get_by_label("Môi trường xảy ra").select_option("family")
    view.get_by_label("Bạo lực", exact=True).check()
    for n in range(2):
        children.nth(n).get_by_label("Giới tính").select_option("male")
        children.nth(n).get_by_label("Ngày sinh").fill("2016-04-02")
    view.get_by_role("button", name="Lưu vào hàng chờ").click()
    expect(page.locator("#app-flash")).to_contain_text("Đã lưu báo cáo trên máy")

    body = store_call(page, 'return (await store.all("queue")).map((r) => r.value.body);')[0]
    assert [c["full_name"] for c in body["children"]] == ["Lò Văn Một", "Lò Văn Ba"]
    assert [p["approx_age"] for p in body["perpetrators"]] == list(range(31, 40))
    assert not page.errors
