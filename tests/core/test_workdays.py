"""Working-day and clock-hour arithmetic against the seeded 2025–2027 holidays (workdays migration 0002)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from childprotect.workdays.calendar import (
    WorkCalendar,
    add_hours,
    add_working_days,
    working_days_deadline,
)
from childprotect.workdays.models import DayKind, Holiday

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


# --- weekends, Tết 2026 (16–20/02/2026), 30/4–1/5 and Giỗ Tổ Hùng Vương 2026, the swapped Saturday 26/04/2025 -------

D = dt.date
# (start, working days added, the day reached)
ADDED = {
    "ordinary-friday-to-the-monday": (D(2026, 3, 6), 1, D(2026, 3, 9)),
    "saturday-to-the-monday": (D(2026, 3, 7), 1, D(2026, 3, 9)),
    "friday-before-tet-2026-to-the-monday-after-tet": (D(2026, 2, 13), 1, D(2026, 2, 23)),
    "5-after-friday-before-tet-2026-to-friday-27-february": (D(2026, 2, 13), 5, D(2026, 2, 27)),
    "wednesday-29-april-2026-to-monday-4-may": (D(2026, 4, 29), 1, D(2026, 5, 4)),
    "friday-24-april-2026-over-the-hung-vuong-compensatory-monday": (D(2026, 4, 24), 1, D(2026, 4, 28)),
    "friday-25-april-2025-to-the-swapped-saturday": (D(2025, 4, 25), 1, D(2025, 4, 26)),
    # Tue 29/04 + 1: Wed 30/04, Thu 01/05, Fri 02/05 (the bridge day) off, then the weekend.
    "tuesday-29-april-2025-over-the-bridge-day": (D(2025, 4, 29), 1, D(2025, 5, 5)),
}
# a day: whether it is a working day
WORKING = {
    "ordinary-saturday": (D(2026, 3, 7), False),
    "ordinary-sunday": (D(2026, 3, 8), False),
    "ordinary-monday": (D(2026, 3, 9), True),
    **{f"tet-2026-{day}-february": (D(2026, 2, day), False) for day in range(16, 21)},
    "hung-vuong-compensatory-monday-27-april-2026": (D(2026, 4, 27), False),
    "swapped-working-saturday-26-april-2025": (D(2025, 4, 26), True),
    "bridge-day-friday-2-may-2025": (D(2025, 5, 2), False),
}


@pytest.mark.parametrize(("start", "days", "reached"), ADDED.values(), ids=ADDED.keys())
def test_working_days_added(start, days, reached):
    assert add_working_days(start, days) == reached


@pytest.mark.parametrize(("day", "working"), WORKING.values(), ids=WORKING.keys())
def test_a_working_day_or_not(day, working):
    assert WorkCalendar().is_working_day(day) is working


def test_the_swapped_saturday_26_april_2025_is_seeded_as_a_working_day():
    assert Holiday.objects.get(date=dt.date(2025, 4, 26)).kind == DayKind.WORKING


def test_working_days_between_counts_across_tet_2026():
    calendar = WorkCalendar()
    assert calendar.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 27)) == 5
    assert calendar.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 22)) == 0


def test_working_days_between_is_zero_when_end_is_not_after_start():
    calendar = WorkCalendar()
    assert calendar.working_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 9)) == 0
    assert calendar.working_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 2)) == 0


def test_working_days_between_agrees_with_add_working_days():
    calendar = WorkCalendar()
    start = dt.date(2026, 2, 10)
    for days in range(1, 12):
        assert calendar.working_days_between(start, calendar.add_working_days(start, days)) == days


# --- deadlines as aware moments -----------------------------------------------------------------------------------


def test_working_days_deadline_is_end_of_last_day_in_ho_chi_minh_time():
    deadline = working_days_deadline(dt.date(2026, 2, 13), 1)
    assert timezone.is_aware(deadline)
    assert deadline == dt.datetime(2026, 2, 23, 23, 59, 59, tzinfo=HCM)
    assert deadline.utcoffset() == dt.timedelta(hours=7)
    assert deadline.astimezone(dt.UTC) == dt.datetime(2026, 2, 23, 16, 59, 59, tzinfo=dt.UTC)


def test_working_days_deadline_counts_from_the_local_date_of_an_aware_start():
    # 18:00 UTC on Thursday 12/02 is already 01:00 on Friday 13/02 in Việt Nam.
    start = dt.datetime(2026, 2, 12, 18, 0, tzinfo=dt.UTC)
    assert add_working_days(start, 1) == dt.date(2026, 2, 23)
    assert working_days_deadline(start, 1) == dt.datetime(2026, 2, 23, 23, 59, 59, tzinfo=HCM)
    # The same instant read as a UTC date (Thursday) would have given Friday 13/02.
    assert add_working_days(dt.date(2026, 2, 12), 1) == dt.date(2026, 2, 13)


def test_working_days_deadline_of_five_days_across_tet_2026():
    start = dt.datetime(2026, 2, 13, 9, 30, tzinfo=HCM)
    assert working_days_deadline(start, 5) == dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=HCM)


def test_naive_datetime_start_raises_value_error():
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 2, 13, 9, 0), 1)
    with pytest.raises(ValueError):
        working_days_deadline(dt.datetime(2026, 2, 13, 9, 0), 1)


@pytest.mark.parametrize("days", [0, -1])
def test_fewer_than_one_working_day_raises_value_error(days):
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 3, 6), days)
    with pytest.raises(ValueError):
        WorkCalendar().add_working_days(dt.date(2026, 3, 6), days)


# --- holidays edited at run time --------------------------------------------------------------------------------------


def test_holiday_added_at_run_time_moves_the_result():
    assert add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)
    Holiday.objects.create(date=dt.date(2026, 3, 9), name="Ngày nghỉ đột xuất", kind=DayKind.HOLIDAY)
    assert WorkCalendar().is_working_day(dt.date(2026, 3, 9)) is False
    assert add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 10)
    assert working_days_deadline(dt.date(2026, 3, 6), 1) == dt.datetime(2026, 3, 10, 23, 59, 59, tzinfo=HCM)


def test_working_saturday_added_at_run_time_counts():
    Holiday.objects.create(date=dt.date(2026, 3, 7), name="Làm bù", kind=DayKind.WORKING)
    assert add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 7)


# --- clock hours ---------------------------------------------------------------------------------------------------


def test_add_hours_crosses_midnight_and_a_holiday_unchanged():
    # Sunday 15/02/2026 20:00 + 12 clock hours = Monday 16/02/2026 08:00, the first day of Tết: hours never pause.
    start = dt.datetime(2026, 2, 15, 20, 0, tzinfo=HCM)
    assert add_hours(start, 12) == dt.datetime(2026, 2, 16, 8, 0, tzinfo=HCM)
    assert add_hours(start, 12) - start == dt.timedelta(hours=12)


def test_add_hours_keeps_the_instant_whatever_the_time_zone_given():
    start = dt.datetime(2026, 4, 29, 23, 0, tzinfo=dt.UTC)
    assert add_hours(start, 12) == dt.datetime(2026, 4, 30, 11, 0, tzinfo=dt.UTC)


def test_add_hours_naive_datetime_raises_value_error():
    with pytest.raises(ValueError):
        add_hours(dt.datetime(2026, 2, 15, 20, 0), 12)


# --- queries -------------------------------------------------------------------------------------------------------


def test_work_calendar_computing_five_working_days_does_at_most_one_query(django_assert_max_num_queries):
    calendar = WorkCalendar()
    with django_assert_max_num_queries(1):
        assert calendar.add_working_days(dt.date(2026, 2, 13), 5) == dt.date(2026, 2, 27)


def test_work_calendar_reused_does_no_further_query_within_its_span(django_assert_num_queries):
    calendar = WorkCalendar()
    calendar.add_working_days(dt.date(2026, 2, 13), 5)
    with django_assert_num_queries(0):
        assert calendar.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 27)) == 5
