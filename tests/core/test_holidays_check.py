"""Holidays 2025–2027 against the official notices and the `holidays` package.

The New Year 2026 swap (12729/VPCP-KGVX, 25/12/2025): Friday 02/01/2026 off, Saturday 10/01/2026 worked.
`manage.py checkholidays` lists every day where the table and `holidays.country_holidays("VN")` disagree.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cases.deadlines import compute
from cases.models import DeadlineKind
from childprotect.workdays.calendar import WorkCalendar, add_working_days
from childprotect.workdays.checks import Mismatch, compare_with_package
from childprotect.workdays.models import DayKind, Holiday

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


# --- the New Year 2026 swap -----------------------------------------------------------------------------------------


def test_friday_2_january_2026_is_off_and_saturday_10_january_2026_is_worked():
    assert WorkCalendar().is_working_day(dt.date(2026, 1, 2)) is False
    assert WorkCalendar().is_working_day(dt.date(2026, 1, 10)) is True
    assert Holiday.objects.get(date=dt.date(2026, 1, 10)).kind == DayKind.WORKING
    assert "12729/VPCP-KGVX" in Holiday.objects.get(date=dt.date(2026, 1, 2)).note


def test_five_working_days_from_31_december_2025_end_on_friday_9_january_2026():
    # Wed 31/12: Thu 01/01 and Fri 02/01 off, the weekend, then Mon 05 … Fri 09/01 (the 5th working day).
    assert add_working_days(dt.date(2025, 12, 31), 5) == dt.date(2026, 1, 9)
    # Six: the swapped Saturday 10/01 counts.
    assert add_working_days(dt.date(2025, 12, 31), 6) == dt.date(2026, 1, 10)


def test_plan_deadline_of_a_report_received_31_december_2025_lands_on_9_january_2026(settings):
    settings.CHILDPROTECT_PLAN_WORKING_DAYS = 5
    due, remind = compute(DeadlineKind.PLAN, dt.datetime(2025, 12, 31, 16, 50, tzinfo=HCM))
    assert due == dt.datetime(2026, 1, 9, 23, 59, 59, tzinfo=HCM)
    assert remind == dt.datetime(2026, 1, 8, 7, 0, tzinfo=HCM)


# --- the comparison with the `holidays` package -----------------------------------------------------------------------


def _by_date(mismatches: list[Mismatch]) -> dict[dt.date, Mismatch]:
    return {m.date: m for m in mismatches}


def test_comparison_lists_the_known_differences_of_2026():
    found = _by_date(compare_with_package([2026]))

    # The package lacks the New Year swap the table now has.
    assert found[dt.date(2026, 1, 2)].kind == Mismatch.TABLE_ONLY
    assert found[dt.date(2026, 1, 10)].kind == Mismatch.WORKING_TABLE_ONLY
    # The package has what no official notice in the table confirms: the August swap and 24/11.
    assert found[dt.date(2026, 8, 31)].kind == Mismatch.PACKAGE_ONLY
    assert found[dt.date(2026, 8, 22)].kind == Mismatch.WORKING_PACKAGE_ONLY
    assert found[dt.date(2026, 11, 24)].kind == Mismatch.PACKAGE_ONLY
    assert found[dt.date(2026, 11, 24)].package_name == "Ngày Văn hóa Việt Nam"
    # Days both agree on are not listed, nor holidays the package puts on a weekend (off either way).
    assert dt.date(2026, 1, 1) not in found
    assert dt.date(2026, 2, 17) not in found
    assert dt.date(2026, 4, 26) not in found  # Sunday: Giỗ Tổ, made up on Monday 27/04 in both


def test_comparison_of_2025_finds_nothing():
    assert compare_with_package([2025]) == []


def test_comparison_lists_tet_2027_where_the_estimate_and_the_package_differ():
    found = _by_date(compare_with_package([2027]))
    assert found[dt.date(2027, 2, 4)].kind == Mismatch.PACKAGE_ONLY
    assert found[dt.date(2027, 2, 11)].kind == Mismatch.TABLE_ONLY
    assert "Dự kiến" in found[dt.date(2027, 2, 11)].table_note


def test_comparison_sees_a_row_an_administrator_edits():
    Holiday.objects.create(date=dt.date(2026, 11, 24), name="Ngày Văn hóa Việt Nam", kind=DayKind.HOLIDAY)
    assert dt.date(2026, 11, 24) not in _by_date(compare_with_package([2026]))


# --- the command ------------------------------------------------------------------------------------------------------


def test_checkholidays_prints_every_difference_with_names_and_exits_0():
    out = StringIO()
    call_command("checkholidays", "--years", "2025", "2026", "2027", stdout=out)
    text = out.getvalue()

    for line_start in ("02/01/2026", "10/01/2026", "22/08/2026", "31/08/2026", "24/11/2026", "04/02/2027"):
        assert line_start in text, line_start
    assert "Ngày Văn hóa Việt Nam" in text
    assert "chỉ có trong bảng" in text
    assert "chỉ có trong gói holidays" in text
    assert "làm bù" in text
    assert "01/01/2026" not in text


def test_checkholidays_says_so_when_table_and_package_agree():
    out = StringIO()
    call_command("checkholidays", "--years", "2025", stdout=out)
    assert "khớp" in out.getvalue()


# --- the admin page ---------------------------------------------------------------------------------------------------


def test_admin_list_of_holidays_says_how_to_check_and_lists_the_differences(client, administrator, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 3, 9, 0, tzinfo=HCM))
    client.force_login(administrator)

    page = client.get("/admin/workdays/holiday/").content.decode()

    assert "manage.py checkholidays" in page
    assert "24/11/2026" in page
    assert "Ngày Văn hóa Việt Nam" in page
    assert "02/01/2026" in page
