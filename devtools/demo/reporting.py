"""Demo periodic reports (loaded by `manage.py loaddemo` after the cases; idempotent).

Two periods, from today's date (reporting.periods):
- the latest period whose report may be sent today (on 03/12/2026: the 6-month report of 2026): Phường Hạc Thành's is
  prepared (its figures computed from the demo cases of that period, loaded before) and written by the officer, not
  sent, so a new user can recompute, send (chair_a), approve and reopen (supervisor); Phường Hàm Rồng's is not opened;
- the period before it (on 03/12/2026: the annual report of 2025), already done: Hạc Thành's sent by the chair and
  approved by the province supervisor, Hàm Rồng's prepared but not sent (the demo has no chair there). The province
  report of that period is left for the supervisor to prepare: it sums Hạc Thành and lists Hàm Rồng as missing.
"""

from __future__ import annotations

from django.utils import timezone

from childprotect.accounts.models import User
from reporting.models import PeriodicReport
from reporting.periods import latest_sendable_period, period_before
from reporting.services import report_act, report_prepare

TEXT = {
    "results": "Tiếp nhận và xử lý kịp thời các thông tin, tố giác; phối hợp với Công an, Trạm Y tế phường.",
    "difficulties": "Cán bộ bảo vệ trẻ em kiêm nhiệm nhiều việc; thiếu kinh phí hỗ trợ khẩn cấp.",
    "proposals": "Đề nghị tỉnh tập huấn kỹ năng đánh giá nguy cơ cho cán bộ cấp xã.",
}


def demo_reports_load() -> int:
    users = {
        u.username: u for u in User.objects.filter(username__in=["officer_a", "chair_a", "officer_b", "supervisor"])
    }
    units = {name: u.unit for name, u in users.items() if u.unit is not None}
    if len(units) < 4:
        return 0
    today = timezone.localdate()
    current = latest_sendable_period(today)
    earlier = period_before(current)
    if PeriodicReport.objects.filter(kind=earlier.kind, year=earlier.year, unit=units["officer_a"]).exists():
        return 0
    # The period before: sent and approved in commune A, prepared only in commune B.
    a = report_prepare(actor=users["officer_a"], unit=units["officer_a"], kind=earlier.kind, year=earlier.year)
    a = report_act(actor=users["officer_a"], report=a, action="edit", version=a.version, data=TEXT)
    a = report_act(actor=users["chair_a"], report=a, action="submit", version=a.version, data={"number": "21"})
    note = f"Duyệt ngày {today.strftime('%d/%m/%Y')}."
    report_act(actor=users["supervisor"], report=a, action="approve", version=a.version, data={"note": note})
    report_prepare(actor=users["officer_b"], unit=units["officer_b"], kind=earlier.kind, year=earlier.year)
    # The period open today: commune A's report written, not sent.
    a = report_prepare(actor=users["officer_a"], unit=units["officer_a"], kind=current.kind, year=current.year)
    report_act(actor=users["officer_a"], report=a, action="edit", version=a.version, data=TEXT)
    return 3
