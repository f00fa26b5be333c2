"""One person at a browser, walking through the live server step by named step (`Journey`); the starting points the
journeys make through the services (`case_at`); the steps several journeys take (a case's step, a referral to the
police and its answer, a periodic report prepared, sent and approved), each with what the page then says. The `journey`
fixture (tests/browser/conftest.py) hands a test its `Journey`; the forms' fields are filled by tests/browser/pages.py.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseState, Term, TermKind
from cases.services import ChildData, ReportData, case_act, child_register, report_attach_child, report_receive
from childprotect.accounts.models import User

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "var" / "artifacts"
SCREENS = ARTIFACTS / "screens"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "step"


def log_in(page: Any, login_url: str, username: str, password: str) -> None:
    """Through the login form (the navbar's first submit button is the logout button: use main's)."""
    page.goto(login_url)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.locator("main").get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


class Journey:
    """One person-at-a-browser walk through the live server, step by named step (the name goes into the file name
    of the screenshot taken if the journey fails there)."""

    def __init__(self, page: Any, base_url: str, password: str, test_name: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.password = password
        self.test_name = test_name
        self.step_name = "00-start"
        self._steps = 0
        self.server_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _on_response(self, response: Any) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def step(self, name: str) -> None:
        self._steps += 1
        self.step_name = f"{self._steps:02d}-{_slug(name)}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    @property
    def main(self) -> Any:
        return self.page.locator("main")

    def login(self, username: str) -> None:
        self.step(f"login {username}")
        self.page.context.clear_cookies()
        log_in(self.page, self.url("/accounts/login/"), username, self.password)
        expect(self.page).to_have_url(self.url("/"))

    def logout(self) -> None:
        self.step("logout")
        self.page.get_by_role("button", name="Đăng xuất").click()
        expect(self.main.get_by_role("button", name="Đăng nhập")).to_be_visible()

    def nav(self, name: str) -> None:
        """Follow a link of the navbar (desktop width: the menu is open)."""
        self.page.get_by_label("Điều hướng chính").get_by_role("link", name=name, exact=True).click()

    def screens(self, name: str) -> None:
        """The page as it is, at phone and at desktop size, for people to look at (nothing is asserted on them)."""
        SCREENS.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or DESKTOP
        try:
            self.page.set_viewport_size(PHONE)
            self.page.screenshot(path=SCREENS / f"{name}-phone.png", full_page=True)
        finally:
            self.page.set_viewport_size(size)
        self.page.screenshot(path=SCREENS / f"{name}-desktop.png", full_page=True)

    def keep_failure(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = ARTIFACTS / f"{self.test_name}-{self.step_name}"
        try:
            self.page.screenshot(path=stem.with_suffix(".png"), full_page=True)
            stem.with_suffix(".html").write_text(self.page.content(), encoding="utf-8")
        except Exception as exc:  # the test has failed already: say why there is no picture, keep its error
            print(f"no screenshot of the failed journey: {exc}")
            return
        print(f"failed journey at step {self.step_name} ({self.page.url}): {stem.with_suffix('.png')}")
        for error in self.server_errors:
            print(f"server error: {error}")
        for error in self.console_errors:
            print(f"console error: {error}")


# --- starting points made through the services -----------------------------------------------------------------------

WALK = ["assess_initial", "decide_emergency", "assess_specific", "draft_plan", "approve_plan"]
CHAIR_STEPS = {"decide_emergency", "approve_plan"}
LAST_STEP: dict[str, str | None] = {
    CaseState.RECEIVED: None,
    CaseState.PLAN_DRAFTED: "draft_plan",
    CaseState.IMPLEMENTING: "approve_plan",
}


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


def case_at(state: str, *, child_name: str, born: dt.date, text: str) -> Case:
    """A case of commune A (report, child, case) taken by officer_a and chair_a up to `state` (from "received")."""
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
    for action in WALK if LAST_STEP[state] else []:
        case.refresh_from_db()
        actor = chair if action in CHAIR_STEPS else officer
        case_act(actor=actor, case=case, action=action, version=case.version, data=records[action])
        if LAST_STEP[state] == action:
            break
    case.refresh_from_db()
    assert case.state == state
    return case


# --- the steps the journeys share -------------------------------------------------------------------------------------

COMMUNE_A = "Phường Hạc Thành"
POLICE = "Công an phường Hạc Thành"


def d(day: dt.date) -> str:
    """A date as a person types it (dd/mm/yyyy)."""
    return day.strftime("%d/%m/%Y")


def heading(journey: Journey) -> Any:
    return journey.page.get_by_role("heading", level=1)


def state_line(journey: Journey) -> Any:
    """The line under the page's title that says the record's state."""
    return journey.main.locator("h1 + p")


def save_report(journey: Journey) -> str:
    """Save the filled Mẫu 01; the page says so: its reference."""
    journey.main.get_by_role("button", name="Lưu thông tin").click()
    expect(journey.main).to_contain_text("Đã tiếp nhận thông tin số")
    return re.findall(r"\d{4}-14797-\d{6}", journey.main.get_by_role("alert").first.inner_text())[0]


def case_of_new_child(journey: Journey, reference: str, child: str, *, screens: str = "") -> str:
    """From the child's registration, back to the report (photographed as `screens` if given), then its case: the
    case's reference."""
    journey.main.get_by_role("link", name="Xong, về thông tin").click()
    expect(heading(journey)).to_contain_text(reference)
    if screens:
        journey.screens(screens)
    journey.main.get_by_role("link", name=re.compile(r"^HS-\d{6}$")).click()
    expect(heading(journey)).to_contain_text(child)
    return re.findall(r"HS-\d{6}", heading(journey).inner_text())[0]


def open_case(journey: Journey, reference: str) -> None:
    """From anywhere: the cases list, then the case's link."""
    journey.nav("Hồ sơ vụ việc")
    journey.main.get_by_role("link", name=reference, exact=True).click()
    expect(heading(journey)).to_contain_text(f"Hồ sơ {reference}")


def take_case_step(journey: Journey, label: str) -> None:
    """A button of the case page's "Việc tiếp theo" (a link to the step's form)."""
    journey.step(label)
    journey.main.get_by_role("link", name=label, exact=True).click()
    expect(heading(journey)).to_have_text(label)


def record(journey: Journey, label: str, state: str) -> None:
    """Send the step's form; back on the case page, which says so and shows the new step."""
    journey.main.get_by_role("button", name="Ghi nhận").click()
    expect(journey.main).to_contain_text(f"Đã ghi nhận: {label}.")
    expect(state_line(journey)).to_contain_text(state)


def assess_specific(journey: Journey, *, needs: str, day: dt.date, participants: str, minutes: str) -> None:
    """Mẫu 03, intervention level, recorded."""
    label = "Đánh giá cụ thể, họp xác định nhu cầu – Mẫu 03"
    take_case_step(journey, label)
    page = journey.page
    page.get_by_label("Can thiệp", exact=True).check()
    page.get_by_label("Nhu cầu của trẻ em và gia đình").fill(needs)
    page.get_by_label("Ngày họp xác định nhu cầu").fill(d(day))
    page.get_by_label("Thành phần tham dự").fill(participants)
    page.get_by_label("Nội dung biên bản họp").fill(minutes)
    record(journey, label, "Đã đánh giá cụ thể, cần kế hoạch")


def draft_plan(
    journey: Journey, *, goals: str, until: dt.date, activities: list[tuple[str, str, dt.date, dt.date]]
) -> None:
    """Mẫu 04 with its activities (what, who, from, to), recorded: the plan waits for the chair."""
    label = "Xây dựng kế hoạch hỗ trợ, can thiệp – Mẫu 04"
    take_case_step(journey, label)
    page = journey.page
    page.get_by_label("Mục tiêu của kế hoạch").fill(goals)
    page.get_by_label("Kế hoạch thực hiện đến ngày").fill(d(until))
    for n, (activity, who, start, end) in enumerate(activities, start=1):
        row = page.get_by_role("group", name=f"Hoạt động {n}", exact=True)
        row.get_by_label("Hoạt động", exact=True).fill(activity)
        row.get_by_label("Người, cơ quan thực hiện").fill(who)
        row.get_by_label("Từ ngày").fill(d(start))
        row.get_by_label("Đến ngày").fill(d(end))
    record(journey, label, "Kế hoạch chờ phê duyệt")


def refer_to_the_police(journey: Journey, *, services: str, information: str) -> str:
    """From the case page: an urgent referral to the commune's police, drafted with both consents, then sent; the
    referral's reference."""
    page, main = journey.page, journey.main
    journey.step("draft the referral")
    main.get_by_role("link", name="Chuyển tuyến đến cơ quan phối hợp").click()
    expect(heading(journey)).to_have_text("Lập chuyển tuyến")
    agency = page.get_by_label("Cơ quan nhận")
    agency.select_option(agency.locator("option", has_text=POLICE).get_attribute("value"))
    page.get_by_label("Khẩn cấp", exact=True).check()
    page.get_by_label("Dịch vụ, hỗ trợ đề nghị").fill(services)
    page.get_by_label("Thông tin cơ quan cần để thực hiện").fill(information)
    page.get_by_role("group", name="Ý kiến của trẻ").get_by_label("Đồng ý", exact=True).check()
    page.get_by_role("group", name="Ý kiến của cha mẹ, người chăm sóc").get_by_label("Đồng ý", exact=True).check()
    main.get_by_role("button", name="Lưu dự thảo").click()
    expect(main).to_contain_text("Đã lưu dự thảo chuyển tuyến")
    reference = re.findall(r"CT-\d{6}", heading(journey).inner_text())[0]

    journey.step("send the referral")
    main.get_by_role("link", name="Gửi chuyển tuyến", exact=True).click()
    main.get_by_role("button", name="Gửi chuyển tuyến", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Gửi chuyển tuyến.")
    expect(state_line(journey)).to_contain_text("Đã gửi, chờ phản hồi")
    return reference


def police_accept_and_complete(
    journey: Journey, referral: str, *, child: str, note: str, outcome: str, number: str, done: str
) -> None:
    """The police, logged in: open the referral (the child it is for is named), accept it, complete it."""
    page, main = journey.page, journey.main
    journey.step("police accept")
    journey.nav("Chuyển tuyến")
    main.get_by_role("link", name=referral, exact=True).click()
    expect(main).to_contain_text(child)  # the agency sees the child it has to act for
    main.get_by_role("link", name="Tiếp nhận chuyển tuyến", exact=True).click()
    page.get_by_label("Ghi chú").fill(note)
    main.get_by_role("button", name="Tiếp nhận chuyển tuyến", exact=True).click()
    expect(state_line(journey)).to_contain_text("Đã tiếp nhận")

    journey.step("police complete")
    main.get_by_role("link", name="Hoàn thành, ghi nhận kết quả", exact=True).click()
    page.get_by_label("Kết quả").select_option(label=outcome)
    page.get_by_label("Số quyết định, số văn bản (nếu có)").fill(number)
    page.get_by_label("Những việc đã làm").fill(done)
    main.get_by_role("button", name="Hoàn thành, ghi nhận kết quả", exact=True).click()
    expect(main).to_contain_text("Đã ghi nhận: Hoàn thành, ghi nhận kết quả.")
    expect(state_line(journey)).to_contain_text("Đã hoàn thành")


def open_periodic_report(journey: Journey, kind: str, year: int, title: str) -> None:
    """From the reports page: the report of a period, made if need be."""
    journey.page.get_by_label("Kỳ báo cáo").select_option(value=kind)
    journey.page.get_by_label("Năm").fill(str(year))
    journey.main.get_by_role("button", name="Lập hoặc mở báo cáo").click()
    expect(heading(journey)).to_have_text(title)


def write_periodic_report(journey: Journey, *, achieved: str, difficulties: str, proposals: str) -> None:
    page, main = journey.page, journey.main
    main.get_by_role("link", name="Soạn nội dung báo cáo").click()
    page.get_by_label("Kết quả đạt được").fill(achieved)
    page.get_by_label("Khó khăn, vướng mắc").fill(difficulties)
    page.get_by_label("Kiến nghị, đề xuất").fill(proposals)
    main.get_by_role("button", name="Soạn nội dung báo cáo").click()
    expect(main).to_contain_text("Đã ghi nhận: Soạn nội dung báo cáo.")


def open_listed_report(journey: Journey, title: str) -> None:
    journey.nav("Báo cáo")
    journey.main.get_by_role("link", name=title, exact=True).first.click()  # at the top and in the list


def sign_and_send(journey: Journey, title: str, number: str) -> None:
    """The chair, logged in: signs and sends the report under its number."""
    journey.step("chair signs and sends")
    open_listed_report(journey, title)
    journey.main.get_by_role("link", name="Ký, gửi báo cáo", exact=True).click()
    journey.page.get_by_label("Số văn bản (Số: .../BC-UBND)").fill(number)
    journey.main.get_by_role("button", name="Ký, gửi báo cáo", exact=True).click()
    expect(journey.main).to_contain_text("Đã ghi nhận: Ký, gửi báo cáo.")
    expect(state_line(journey)).to_contain_text("Đã gửi")


def approve_report(journey: Journey) -> None:
    """The supervisor, on the sent report: approves it."""
    journey.main.get_by_role("link", name="Phê duyệt báo cáo", exact=True).click()
    journey.main.get_by_role("button", name="Phê duyệt báo cáo", exact=True).click()
    expect(journey.main).to_contain_text("Đã ghi nhận: Phê duyệt báo cáo.")
    expect(state_line(journey)).to_contain_text("Đã phê duyệt")
