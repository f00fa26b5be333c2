"""What a person types into the intake forms, in one place for every journey: Mẫu 01 and the child's registration.

Each helper fills the fields by their Vietnamese labels, as a person reads them; the journey clicks the button itself
(and asserts what the page then says).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from playwright.sync_api import Page


@dataclass(frozen=True)
class Suspect:
    name: str
    relation: str  # the label of "Quan hệ với trẻ em"
    sex: str = "Nam"
    age: str = ""
    lives_with_child: bool = False


@dataclass(frozen=True)
class ReportForm:
    """Mẫu 01 as the officer fills it; the optional parts are left empty when not given."""

    received: dt.datetime
    channel: str
    kind: str  # "Thông tin", "Thông báo" or "Tố giác"
    reporter: str
    description: str
    form: str  # a form of abuse, e.g. "Bạo lực"
    environment: str
    commune: str = "14797"
    phone: str = ""
    address: str = ""
    day: dt.date | None = None
    signs: tuple[str, ...] = ()  # urgency signs, by their labels
    suspects: tuple[Suspect, ...] = field(default_factory=tuple)


def fill_report(page: Page, report: ReportForm) -> None:
    page.get_by_label("Thời điểm tiếp nhận").fill(report.received.strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Kênh tiếp nhận").select_option(label=report.channel)
    page.get_by_label(report.kind, exact=True).check()
    page.get_by_label("Họ tên người báo tin").fill(report.reporter)
    if report.phone:
        page.get_by_label("Điện thoại", exact=True).fill(report.phone)
    if report.address:
        page.get_by_label("Địa chỉ", exact=True).fill(report.address)
    page.get_by_label("Nội dung sự việc").fill(report.description)
    page.get_by_label(report.form, exact=True).check()
    page.get_by_label("Môi trường xảy ra").select_option(label=report.environment)
    if report.day:
        page.get_by_label("Ngày xảy ra").fill(report.day.strftime("%d/%m/%Y"))
    page.get_by_label("Xã, phường nơi xảy ra").fill(report.commune)
    for sign in report.signs:
        page.get_by_label(sign).check()
    for n, suspect in enumerate(report.suspects, start=1):
        group = page.get_by_role("group", name=f"Người thứ {n}", exact=True)
        group.get_by_label("Họ tên (nếu biết)").fill(suspect.name)
        group.get_by_label("Quan hệ với trẻ em").select_option(label=suspect.relation)
        group.get_by_label("Giới tính").select_option(label=suspect.sex)
        if suspect.age:
            group.get_by_label("Tuổi (ước tính)").fill(suspect.age)
        if suspect.lives_with_child:
            group.get_by_label("Sống cùng trẻ em").check()


@dataclass(frozen=True)
class ChildForm:
    """The child's registration from a report, as the officer fills it."""

    name: str
    born: str  # dd/mm/yyyy as typed
    sex: str
    ethnicity: str
    address: str
    carer: str
    carer_relation: str
    carer_phone: str


def fill_child(page: Page, child: ChildForm) -> None:
    page.get_by_label("Họ và tên").fill(child.name)
    page.get_by_label("Ngày sinh", exact=True).fill(child.born)
    page.get_by_label("Giới tính").select_option(label=child.sex)
    page.get_by_label("Dân tộc").select_option(label=child.ethnicity)
    page.get_by_label("Địa chỉ (thôn, tổ dân phố, số nhà)").fill(child.address)
    page.get_by_label("Người chăm sóc: họ tên").fill(child.carer)
    page.get_by_label("Quan hệ với trẻ").fill(child.carer_relation)
    page.get_by_label("Điện thoại", exact=True).fill(child.carer_phone)
