"""The Holiday table against the `holidays` package (holidays.country_holidays("VN")): where do they disagree?

Neither is the authority: the government's notices are. The package is an independent second reading, so every day
where the two give a different answer to "is this a working day?" is worth an administrator's look (24/11 Ngày Văn
hóa Việt Nam, a swap one of them lacks, an estimated Tết). Holidays the package puts on a Saturday or Sunday that is
not worked are off either way and are not listed; the table records only what changes a working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import holidays
from django.utils.translation import gettext as _

from .models import DayKind, Holiday


@dataclass(frozen=True)
class Mismatch:
    TABLE_ONLY = "table_only"  # a day off in the table, a working day for the package
    PACKAGE_ONLY = "package_only"  # a day off for the package, a working day in the table
    WORKING_TABLE_ONLY = "working_table_only"  # a Saturday or Sunday worked (làm bù) in the table only
    WORKING_PACKAGE_ONLY = "working_package_only"  # a Saturday or Sunday worked for the package only

    date: dt.date
    kind: str
    table_name: str = ""
    table_note: str = ""
    package_name: str = ""

    @property
    def label(self) -> str:
        return {
            self.TABLE_ONLY: _("ngày nghỉ chỉ có trong bảng"),
            self.PACKAGE_ONLY: _("ngày nghỉ chỉ có trong gói holidays"),
            self.WORKING_TABLE_ONLY: _("ngày làm bù chỉ có trong bảng"),
            self.WORKING_PACKAGE_ONLY: _("ngày làm bù chỉ có trong gói holidays"),
        }[self.kind]


def compare_with_package(years: Iterable[int]) -> list[Mismatch]:
    """Every date of `years` that the table and the package count differently, in date order."""
    years = sorted(set(years))
    package = holidays.country_holidays("VN", years=years, language="vi")
    package_working = {day for day in package.weekend_workdays if day.year in years}
    rows = {h.date: h for h in Holiday.objects.filter(date__year__in=years)}

    def table_working(day: dt.date) -> bool:
        row = rows.get(day)
        if row is not None:
            return row.kind == DayKind.WORKING
        return day.weekday() < 5

    def package_is_working(day: dt.date) -> bool:
        if day in package_working:
            return True
        return day.weekday() < 5 and day not in package

    found = []
    for day in sorted({*rows, *package.keys(), *package_working}):
        if day.year not in years:
            continue
        in_table, in_package = table_working(day), package_is_working(day)
        if in_table == in_package:
            continue
        weekend = day.weekday() >= 5
        if weekend:
            kind = Mismatch.WORKING_TABLE_ONLY if in_table else Mismatch.WORKING_PACKAGE_ONLY
        else:
            kind = Mismatch.PACKAGE_ONLY if in_table else Mismatch.TABLE_ONLY
        row = rows.get(day)
        package_name = package.get(day) or ""
        if day in package_working and not package_name:
            package_name = _("Ngày làm bù")
        found.append(
            Mismatch(
                date=day,
                kind=kind,
                table_name=row.name if row else "",
                table_note=row.note if row else "",
                package_name=package_name,
            )
        )
    return found
