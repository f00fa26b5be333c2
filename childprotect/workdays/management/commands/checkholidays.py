"""List the days where the Holiday table and the `holidays` package disagree, for an administrator to confirm.

    manage.py checkholidays [--years 2025 2026 2027]

Exit 0 whatever it finds: a difference is a question for a person (which notice is right?), not an error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from childprotect.workdays.checks import compare_with_package

WEEKDAYS = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


def default_years() -> list[int]:
    year = timezone.localdate().year
    return [year - 1, year, year + 1]


class Command(BaseCommand):
    help = (
        "So bảng ngày nghỉ, ngày làm bù với gói holidays (holidays.country_holidays('VN')) và liệt kê mọi ngày khác "
        "nhau để quản trị viên đối chiếu với thông báo chính thức."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", nargs="+", type=int, help="các năm (mặc định năm trước, năm nay, năm sau)")

    def handle(self, *args: Any, **options: Any) -> None:
        years = sorted(set(options["years"] or default_years()))
        mismatches = compare_with_package(years)
        span = ", ".join(str(y) for y in years)
        if not mismatches:
            self.stdout.write(f"Năm {span}: bảng ngày nghỉ và gói holidays khớp nhau.")
            return
        self.stdout.write(f"Năm {span}: {len(mismatches)} ngày bảng ngày nghỉ và gói holidays khác nhau.")
        for m in mismatches:
            table = m.table_name or "—"
            if m.table_note:
                table += f" ({m.table_note.rstrip('.')})"
            self.stdout.write(
                f"{m.date:%d/%m/%Y} ({WEEKDAYS[m.date.weekday()]}): {m.label}. "
                f"Bảng: {table}. Gói holidays: {m.package_name or '—'}."
            )
        self.stdout.write(
            "Đối chiếu từng ngày với thông báo nghỉ lễ của Chính phủ, Bộ Nội vụ rồi sửa bảng trong trang quản trị "
            "(/admin/workdays/holiday/); ghi số văn bản vào cột ghi chú."
        )
