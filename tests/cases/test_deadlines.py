"""Statutory deadlines: when each falls due (clock hours, working days, seeded holidays) and the reminder scan.

The scan runs through the real notify(): Notification rows with a key, and one email per notification sent by the
Celery task after the commit (Celery is eager in this folder; on-commit callbacks are run with
django_capture_on_commit_callbacks).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cases.deadlines import compute
from cases.models import CaseState, Deadline, DeadlineKind, DeadlineStatus, Reminder, ReminderKind
from cases.services import deadlines_scan, report_attach_child
from cases.tasks import scan_deadlines
from childprotect.core.models import Notification
from tests.support.builders import act, walk
from tests.support.clock import RECEIVED_AT, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S = CaseState
DOMAIN = "hacthanh.thanhhoa.gov.vn"


def give_emails(*users) -> None:
    for user in users:
        user.email = f"{user.username}@{DOMAIN}"
        user.save(update_fields=["email"])


def deadline_keys() -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(key__startswith="deadline:").values_list("recipient__username", "key"))


@pytest.fixture
def people(officer_a, chair_a, officer_b, supervisor, police, administrator):
    """The whole cast, all with email addresses (only some of them may be told about a commune A case)."""
    give_emails(officer_a, chair_a, officer_b, supervisor, police, administrator)
    return {"officer": officer_a, "chair": chair_a, "supervisor": supervisor}


# --- the 12-hour emergency limit: clock hours ----------------------------------------------------------------------


def test_the_emergency_deadline_is_12_clock_hours_after_receipt_reminded_2_hours_before():
    due, remind = compute(DeadlineKind.EMERGENCY, local(2026, 11, 20, 8, 30))

    assert due == local(2026, 11, 20, 20, 30)
    assert remind == local(2026, 11, 20, 18, 30)


def test_the_emergency_deadline_runs_across_midnight_weekends_and_holidays():
    assert compute(DeadlineKind.EMERGENCY, local(2026, 11, 20, 18, 45)) == (
        local(2026, 11, 21, 6, 45),
        local(2026, 11, 21, 4, 45),
    )
    # Wed 29/04/2026 22:00, the night before the 30/4 holiday: still 12 clock hours.
    assert compute(DeadlineKind.EMERGENCY, local(2026, 4, 29, 22, 0))[0] == local(2026, 4, 30, 10, 0)


def test_opening_a_case_starts_the_emergency_deadline_from_the_report_receipt(new_case):
    case = new_case()  # received 20/11/2026 08:30, case opened at 09:00

    deadline = case.deadlines.get(kind=DeadlineKind.EMERGENCY)

    assert deadline.started_at == RECEIVED_AT
    assert deadline.due_at == local(2026, 11, 20, 20, 30)
    assert deadline.remind_at == local(2026, 11, 20, 18, 30)
    assert deadline.status == DeadlineStatus.OPEN


def test_a_report_received_late_in_the_evening_is_due_the_next_morning(new_case, clock):
    clock.move_to(local(2026, 11, 21, 0, 15))
    case = new_case(received_at=local(2026, 11, 20, 22, 40))

    deadline = case.deadlines.get(kind=DeadlineKind.EMERGENCY)

    assert deadline.due_at == local(2026, 11, 21, 10, 40)
    assert deadline.remind_at == local(2026, 11, 21, 8, 40)


# --- working-day limits: weekends and the seeded holidays ----------------------------------------------------------


def test_the_plan_deadline_skips_the_tet_holidays():
    # Thu 12/02/2026; Tết 16–20/02. Working days: Fri 13 (1), Mon 23 (2), Tue 24 (3), Wed 25 (4), Thu 26 (5).
    due, remind = compute(DeadlineKind.PLAN, local(2026, 2, 12, 10, 0))

    assert due == local(2026, 2, 26, 23, 59, 59)
    assert remind == local(2026, 2, 25, 7, 0)  # the morning of the working day before


def test_the_plan_deadline_skips_hung_vuong_30_4_and_1_5():
    # Fri 24/04/2026; Mon 27/04 (Hùng Vương, compensatory), Thu 30/04 and Fri 01/05 are holidays.
    # Working days: Tue 28 (1), Wed 29 (2), Mon 04/05 (3), Tue 05 (4), Wed 06 (5).
    due, remind = compute(DeadlineKind.PLAN, local(2026, 4, 24, 15, 0))

    assert due == local(2026, 5, 6, 23, 59, 59)
    assert remind == local(2026, 5, 5, 7, 0)


def test_the_receipt_day_itself_is_not_counted_even_at_one_minute_past_midnight():
    due, _ = compute(DeadlineKind.PLAN, local(2026, 11, 20, 0, 1))  # Friday

    assert due == local(2026, 11, 27, 23, 59, 59)


def test_the_approval_deadline_is_2_working_days():
    # Thu 12/02/2026: Fri 13 (1), then Tết, Mon 23 (2).
    assert compute(DeadlineKind.APPROVAL, local(2026, 2, 12, 15, 0)) == (
        local(2026, 2, 23, 23, 59, 59),
        local(2026, 2, 13, 7, 0),
    )
    # Fri 20/11/2026: Mon 23 (1), Tue 24 (2).
    assert compute(DeadlineKind.APPROVAL, local(2026, 11, 20, 9, 0)) == (
        local(2026, 11, 24, 23, 59, 59),
        local(2026, 11, 23, 7, 0),
    )


def test_a_case_opened_before_tet_gets_its_plan_deadline_after_tet(new_case, clock):
    clock.move_to(local(2026, 2, 12, 11, 0))  # after the receipt: a receipt in the future is refused
    case = new_case(received_at=local(2026, 2, 12, 10, 0))

    plan = case.deadlines.get(kind=DeadlineKind.PLAN)
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)

    assert plan.started_at == local(2026, 2, 12, 10, 0)
    assert (plan.due_at, plan.remind_at) == (local(2026, 2, 26, 23, 59, 59), local(2026, 2, 25, 7, 0))
    assert emergency.due_at == local(2026, 2, 12, 22, 0)


def test_a_case_opened_before_the_april_holidays_gets_its_plan_deadline_after_them(new_case, clock):
    clock.move_to(local(2026, 4, 24, 16, 0))
    case = new_case(received_at=local(2026, 4, 24, 14, 20))

    plan = case.deadlines.get(kind=DeadlineKind.PLAN)

    assert (plan.due_at, plan.remind_at) == (local(2026, 5, 6, 23, 59, 59), local(2026, 5, 5, 7, 0))


def test_drafting_the_plan_starts_a_2_working_day_approval_deadline(new_case, officer_a, chair_a):
    case = walk(new_case(), S.PLAN_DRAFTED, officer=officer_a, chair=chair_a)  # Fri 20/11/2026 09:00

    approval = case.deadlines.get(kind=DeadlineKind.APPROVAL)

    assert (approval.status, approval.due_at, approval.remind_at) == (
        DeadlineStatus.OPEN,
        local(2026, 11, 24, 23, 59, 59),
        local(2026, 11, 23, 7, 0),
    )


# --- the reminder scan ---------------------------------------------------------------------------------------------


def test_an_overdue_emergency_decision_alerts_officer_chair_and_supervisor_exactly_once(
    new_case, people, clock, django_capture_on_commit_callbacks
):
    case = new_case()
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    key = f"deadline:{emergency.pk}:overdue"
    mail.outbox.clear()  # the report's own notifications are not what this test is about
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=13))  # 21:30, no emergency decision

    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_scan()

    assert (result.due_soon, result.overdue, result.notifications) == (0, 1, 3)
    assert deadline_keys() == [("chair_a", key), ("officer_a", key), ("supervisor", key)]
    notification = Notification.objects.get(recipient=people["supervisor"], key=key)
    assert notification.title == f"Quá hạn: {DeadlineKind.EMERGENCY.label} – hồ sơ {case}"
    assert "Hạn: 20:30 20/11/2026" in notification.body
    assert notification.url == f"/cases/{case.pk}/"
    assert sorted(m.to[0] for m in mail.outbox) == [
        f"chair_a@{DOMAIN}",
        f"officer_a@{DOMAIN}",
        f"supervisor@{DOMAIN}",
    ]
    assert all(m.subject == f"[Bảo vệ trẻ em] {notification.title}" for m in mail.outbox)
    reminder = Reminder.objects.get(deadline=emergency)
    assert (reminder.kind, reminder.sent_at) == (ReminderKind.OVERDUE, RECEIVED_AT + dt.timedelta(hours=13))

    # A second scan (the next run of the schedule, or a retried task) sends nothing new.
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=13, minutes=15))
    with django_capture_on_commit_callbacks(execute=True):
        again = deadlines_scan()

    assert (again.due_soon, again.overdue, again.notifications) == (0, 0, 0)
    assert deadline_keys() == [("chair_a", key), ("officer_a", key), ("supervisor", key)]
    assert len(mail.outbox) == 3
    assert Reminder.objects.filter(deadline=emergency).count() == 1


def test_the_due_soon_reminder_goes_to_the_officer_only_once(
    new_case, people, clock, django_capture_on_commit_callbacks
):
    case = new_case()
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    mail.outbox.clear()
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=10, minutes=30))  # 19:00: due at 20:30

    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_scan()
    with django_capture_on_commit_callbacks(execute=True):
        again = deadlines_scan()

    assert (result.due_soon, result.overdue, result.notifications) == (1, 0, 1)
    assert (again.due_soon, again.overdue, again.notifications) == (0, 0, 0)
    assert deadline_keys() == [("officer_a", f"deadline:{emergency.pk}:due_soon")]
    assert Notification.objects.get(key__startswith="deadline:").title.startswith("Sắp đến hạn: ")
    assert [m.to for m in mail.outbox] == [[f"officer_a@{DOMAIN}"]]


def test_a_deadline_reminded_as_due_soon_is_still_escalated_once_overdue(
    new_case, people, clock, django_capture_on_commit_callbacks
):
    case = new_case()
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    clock.move_to(local(2026, 11, 20, 19, 0))
    deadlines_scan()
    clock.move_to(local(2026, 11, 20, 21, 0))

    result = deadlines_scan()

    assert (result.due_soon, result.overdue, result.notifications) == (0, 1, 3)
    assert set(Reminder.objects.filter(deadline=emergency).values_list("kind", flat=True)) == {
        ReminderKind.DUE_SOON,
        ReminderKind.OVERDUE,
    }


def test_deadlines_settled_in_time_are_not_reminded(new_case, people, officer_a, chair_a, clock):
    case = walk(new_case(), S.EMERGENCY_DECIDED, officer=officer_a, chair=chair_a)  # decided at 09:00
    assert case.deadlines.get(kind=DeadlineKind.EMERGENCY).status == DeadlineStatus.MET
    clock.move_to(local(2026, 11, 20, 21, 30))

    result = deadlines_scan()

    assert (result.due_soon, result.overdue, result.notifications) == (0, 0, 0)
    assert deadline_keys() == []


def test_a_closed_cases_deadlines_are_cancelled_and_never_reminded(new_case, people, officer_a, chair_a, clock):
    case = walk(new_case(), S.INITIAL_ASSESSED, officer=officer_a, chair=chair_a)
    act(
        chair_a,
        case,
        "decide_emergency",
        emergency_needed=True,
        measures="Tạm thời cho trẻ ở với bà nội.",
        separation=True,
        separation_days=10,
        placement="Nhà bà nội, Tổ dân phố 7",
    )
    # NĐ 56 Đ30: the separation ends by the chair's decision before the case may close (tests/cases/test_closure.py).
    act(chair_a, case, "end_separation", end_decision_number="21/QĐ-UBND", end_decided_on=dt.date(2026, 11, 20))
    walk(case, S.CLOSED, officer=officer_a, chair=chair_a)

    assert not case.deadlines.filter(status=DeadlineStatus.OPEN).exists()
    separation = case.deadlines.get(kind=DeadlineKind.SEPARATION_END)
    assert separation.status == DeadlineStatus.MET  # settled by the decision ending it

    for day in (1, 9, 10, 11, 40):  # past every limit the case ever had
        clock.move_to(local(2026, 11, 20, 21, 0) + dt.timedelta(days=day))
        result = deadlines_scan()
        assert (result.due_soon, result.overdue, result.notifications) == (0, 0, 0)
    assert deadline_keys() == []
    assert not Reminder.objects.exists()


def test_the_periodic_task_runs_the_scan_and_returns_its_counts(new_case, people, clock):
    new_case()
    clock.move_to(local(2026, 11, 20, 21, 30))

    result = scan_deadlines.delay()

    assert result.get() == {"due_soon": 0, "overdue": 1, "notifications": 3}
    assert scan_deadlines.delay().get() == {"due_soon": 0, "overdue": 0, "notifications": 0}


def test_a_reminder_committed_by_an_earlier_crashed_run_is_not_sent_again(
    new_case, people, make_child, officer_a, clock, django_capture_on_commit_callbacks
):
    case = new_case()
    # A second child of the same report: its deadline, not yet reminded, is still sent in the same scan.
    other_child = make_child(officer_a, full_name="Nguyễn Thị Bích", sex="female")
    report_attach_child(actor=officer_a, report=case.report, child=other_child)
    other = case.report.cases.get(child=other_child)
    crashed = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    pending = other.deadlines.get(kind=DeadlineKind.EMERGENCY)
    clock.move_to(local(2026, 11, 20, 21, 30))
    Reminder.objects.create(deadline=crashed, kind=ReminderKind.OVERDUE, sent_at=local(2026, 11, 20, 21, 0))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_scan()

    assert (result.overdue, result.notifications) == (1, 3)
    assert {key for _, key in deadline_keys()} == {f"deadline:{pending.pk}:overdue"}
    assert Reminder.objects.filter(deadline=crashed).count() == 1
    assert len(mail.outbox) == 3
    assert all(f"hồ sơ {other}" in m.subject for m in mail.outbox)


def test_an_overdue_plan_alerts_the_supervisor_of_the_province_but_not_other_communes(
    new_case, people, officer_a, chair_a, clock
):
    case = walk(new_case(), S.ASSESSED, officer=officer_a, chair=chair_a)
    plan = case.deadlines.get(kind=DeadlineKind.PLAN)
    clock.move_to(local(2026, 11, 28, 8, 0))  # Saturday after the Friday 27/11 limit

    result = deadlines_scan()

    assert (result.overdue, result.notifications) == (1, 3)
    key = f"deadline:{plan.pk}:overdue"
    assert deadline_keys() == [("chair_a", key), ("officer_a", key), ("supervisor", key)]
    assert Deadline.objects.get(pk=plan.pk).status == DeadlineStatus.OPEN  # reminding settles nothing
