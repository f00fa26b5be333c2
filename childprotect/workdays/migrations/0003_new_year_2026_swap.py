"""The New Year 2026 swap and the sources of the 2026 days (issue 14).

Văn bản 12729/VPCP-KGVX (25/12/2025, ý kiến Phó Thủ tướng Phạm Thị Thanh Trà, on Bộ Nội vụ's proposal): công chức,
viên chức nghỉ Tết Dương lịch 2026 from Thursday 01/01 to Sunday 04/01, Friday 02/01 swapped for Saturday 10/01.
Tết Bính Ngọ 16–20/02/2026 (nine days with the weekends, 14–22/02) is Thông báo 9441/TB-BNV. Nothing else for
2025–2027 could be confirmed by an official notice: the rows marked "Dự kiến" stay so, and the days where the table
and the `holidays` package disagree (24/11 Ngày Văn hóa Việt Nam, the package's August 2026 swap, Tết 2027) are listed
by `manage.py checkholidays` for an administrator to confirm, not written here.

Rows are written only where they are missing or still hold what migration 0002 seeded, so an administrator's edit is
kept. The data is written here, not imported from app code, so the migration never changes meaning.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations

H, W = "holiday", "working"
NEW_YEAR_2026 = "Theo văn bản 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ."
TET_2026 = "Theo Thông báo 9441/TB-BNV của Bộ Nội vụ (nghỉ 9 ngày, từ 14/02 đến hết 22/02/2026)."

# (date, kind, name, note): rows to add.
ADDED = [
    ("2026-01-02", H, "Tết Dương lịch (nghỉ hoán đổi, làm bù thứ Bảy 10/01/2026)", NEW_YEAR_2026),
    ("2026-01-10", W, "Làm bù cho ngày nghỉ 02/01/2026", NEW_YEAR_2026),
]
# (date, note): seeded rows whose (empty) note now names the official notice.
NOTES = [("2026-01-01", NEW_YEAR_2026), *[(f"2026-02-{d}", TET_2026) for d in (16, 17, 18, 19, 20)]]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Holiday = apps.get_model("workdays", "Holiday")
    for date, kind, name, note in ADDED:
        Holiday.objects.get_or_create(
            date=dt.date.fromisoformat(date), defaults={"kind": kind, "name": name, "note": note}
        )
    for date, note in NOTES:
        Holiday.objects.filter(date=dt.date.fromisoformat(date), note="").update(note=note)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    Holiday = apps.get_model("workdays", "Holiday")
    for date, kind, name, note in ADDED:
        Holiday.objects.filter(date=dt.date.fromisoformat(date), kind=kind, name=name, note=note).delete()
    for date, note in NOTES:
        Holiday.objects.filter(date=dt.date.fromisoformat(date), note=note).update(note="")


class Migration(migrations.Migration):
    dependencies = [("workdays", "0002_seed_holidays_2025_2027")]
    operations = [migrations.RunPython(forward, backward)]
