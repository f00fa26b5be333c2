"""Demo periodic reports (loaded by `manage.py loaddemo` after the cases; idempotent).

For the next report due (in November: the annual report), Phường Hạc Thành's report is prepared by the officer, sent by
the chair and approved by the province supervisor; Phường Hàm Rồng's is prepared but not sent (the demo has no chair
there). The province report is left for the supervisor to prepare: it sums Hạc Thành and lists Hàm Rồng as missing.
"""

from __future__ import annotations

from django.utils import timezone

from childprotect.accounts.models import User

from .models import PeriodicReport
from .periods import next_due_period
from .services import report_act, report_prepare


def demo_reports_load() -> int:
    users = {
        u.username: u for u in User.objects.filter(username__in=["officer_a", "chair_a", "officer_b", "supervisor"])
    }
    units = {name: u.unit for name, u in users.items() if u.unit is not None}
    if len(units) < 4:
        return 0
    period = next_due_period()
    if PeriodicReport.objects.filter(kind=period.kind, year=period.year, unit=units["officer_a"]).exists():
        return 0
    today = timezone.localdate().strftime("%d/%m/%Y")
    a = report_prepare(actor=users["officer_a"], unit=units["officer_a"], kind=period.kind, year=period.year)
    a = report_act(
        actor=users["officer_a"],
        report=a,
        action="edit",
        version=a.version,
        data={
            "results": "Tiếp nhận và xử lý kịp thời các thông tin, tố giác; phối hợp với Công an, Trạm Y tế phường.",
            "difficulties": "Cán bộ bảo vệ trẻ em kiêm nhiệm nhiều việc; thiếu kinh phí hỗ trợ khẩn cấp.",
            "proposals": "Đề nghị tỉnh tập huấn kỹ năng đánh giá nguy cơ cho cán bộ cấp xã.",
        },
    )
    a = report_act(actor=users["chair_a"], report=a, action="submit", version=a.version, data={"number": "21"})
    report_act(
        actor=users["supervisor"], report=a, action="approve", version=a.version, data={"note": f"Duyệt ngày {today}."}
    )
    report_prepare(actor=users["officer_b"], unit=units["officer_b"], kind=period.kind, year=period.year)
    return 2
