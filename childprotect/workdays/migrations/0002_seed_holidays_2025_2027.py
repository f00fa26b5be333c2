"""Seed public holidays and swapped working days for 2025–2027 (Bộ luật Lao động 2019 Điều 112; docs/law.md#working-days).

The government announces the exact days each year; rows marked "dự kiến" follow the Labour Code's rule (a holiday
falling on a weekend is made up on the next working day) and must be checked against the announcement. Administrators
edit the table. The data is written here, not imported from app code, so the migration never changes meaning.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

H, W = "holiday", "working"
TET_DL, TET_NĐ, HUNG, GIAI_PHONG, LAO_DONG, QUOC_KHANH = (
    "Tết Dương lịch",
    "Tết Nguyên đán",
    "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
    "Ngày Chiến thắng 30/4",
    "Ngày Quốc tế Lao động 1/5",
    "Quốc khánh 2/9",
)
ANNOUNCED_2025 = "Theo thông báo nghỉ lễ năm 2025 của Bộ Nội vụ."
EXPECTED = "Dự kiến theo Bộ luật Lao động; kiểm tra với thông báo chính thức."

DAYS: list[tuple[str, str, str, str]] = [
    # 2025
    ("2025-01-01", H, TET_DL, ANNOUNCED_2025),
    *[(f"2025-01-{d}", H, TET_NĐ, ANNOUNCED_2025) for d in (27, 28, 29, 30, 31)],
    ("2025-04-07", H, HUNG, ANNOUNCED_2025),
    ("2025-04-26", W, "Làm bù cho ngày nghỉ 02/5/2025", ANNOUNCED_2025),
    ("2025-04-30", H, GIAI_PHONG, ANNOUNCED_2025),
    ("2025-05-01", H, LAO_DONG, ANNOUNCED_2025),
    ("2025-05-02", H, "Nghỉ hoán đổi (làm bù thứ Bảy 26/4/2025)", ANNOUNCED_2025),
    ("2025-09-01", H, "Quốc khánh (ngày liền kề)", ANNOUNCED_2025),
    ("2025-09-02", H, QUOC_KHANH, ANNOUNCED_2025),
    # 2026: Tết Bính Ngọ, mùng 1 = 17/02/2026
    ("2026-01-01", H, TET_DL, ""),
    *[(f"2026-02-{d}", H, TET_NĐ, "") for d in (16, 17, 18, 19, 20)],
    ("2026-04-27", H, "Giỗ Tổ Hùng Vương (nghỉ bù, 10/3 âm lịch là Chủ nhật 26/4)", ""),
    ("2026-04-30", H, GIAI_PHONG, ""),
    ("2026-05-01", H, LAO_DONG, ""),
    ("2026-09-01", H, "Quốc khánh (ngày liền kề)", EXPECTED),
    ("2026-09-02", H, QUOC_KHANH, ""),
    # 2027: Tết Đinh Mùi, mùng 1 = 06/02/2027 (thứ Bảy)
    ("2027-01-01", H, TET_DL, ""),
    *[(f"2027-02-{d:02d}", H, TET_NĐ, EXPECTED) for d in (5, 8, 9, 10, 11)],
    ("2027-04-16", H, HUNG, ""),
    ("2027-04-30", H, GIAI_PHONG, ""),
    ("2027-05-03", H, "Ngày Quốc tế Lao động (nghỉ bù, 1/5 là thứ Bảy)", ""),
    ("2027-09-02", H, QUOC_KHANH, ""),
    ("2027-09-03", H, "Quốc khánh (ngày liền kề)", EXPECTED),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Holiday = apps.get_model("workdays", "Holiday")
    for date, kind, name, note in DAYS:
        Holiday.objects.get_or_create(
            date=dt.date.fromisoformat(date), defaults={"kind": kind, "name": name, "note": note}
        )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Holiday = apps.get_model("workdays", "Holiday")
    Holiday.objects.filter(date__in=[dt.date.fromisoformat(d) for d, *_ in DAYS]).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
