"""Reminders about a case whose officer cannot act on it (account deactivated, moved to another commune or role) go
to the commune's chair, or with no active chair to the supervisors above it, and say why; nothing is made for the
inactive account. Once someone else is in charge, they are reminded again."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from cases.models import DeadlineKind
from cases.services import deadlines_scan
from childprotect.accounts.models import Role, User
from childprotect.core.models import Notification
from childprotect.core.services import notify
from tests.factories import UserFactory
from tests.support.builders import send_referral
from tests.support.clock import RECEIVED_AT
from tests.support.crosswalk import crosswalk, file_under

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

DUE_SOON = RECEIVED_AT + dt.timedelta(hours=10, minutes=30)  # 19:00, the emergency decision is due at 20:30
OVERDUE = RECEIVED_AT + dt.timedelta(hours=13)


def deactivate(*users: User) -> None:
    User.objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)


def told(deadline_id: int, kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(key=f"deadline:{deadline_id}:{kind}").values_list("recipient__username", flat=True)
    )


@pytest.fixture
def emergency(new_case, officer_a, chair_a, supervisor):
    return new_case().deadlines.get(kind=DeadlineKind.EMERGENCY)


def test_a_deactivated_officers_due_soon_reminder_goes_to_the_chair_and_says_why(emergency, officer_a, clock):
    deactivate(officer_a)
    clock.move_to(DUE_SOON)

    result = deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["chair_a"]
    assert result.notifications == 1
    body = Notification.objects.get(key=f"deadline:{emergency.pk}:due_soon").body
    assert body.startswith(f"Cán bộ phụ trách không còn hoạt động: {officer_a}.")
    assert not Notification.objects.filter(recipient=officer_a, key__startswith="deadline:").exists()


def test_with_no_active_chair_the_supervisor_stands_in(emergency, officer_a, chair_a, clock):
    deactivate(officer_a, chair_a)
    clock.move_to(DUE_SOON)

    deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["supervisor"]


def test_an_officer_moved_to_another_commune_is_replaced_by_the_chair(emergency, officer_a, commune_b, clock):
    User.objects.filter(pk=officer_a.pk).update(unit=commune_b)
    clock.move_to(DUE_SOON)

    deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["chair_a"]
    body = Notification.objects.get(key=f"deadline:{emergency.pk}:due_soon").body
    assert body.startswith("Cán bộ phụ trách đã chuyển công tác:")


def test_an_overdue_deadline_of_a_deactivated_officer_reaches_chair_and_supervisor_not_the_officer(
    emergency, officer_a, clock, caplog
):
    deactivate(officer_a)
    clock.move_to(OVERDUE)

    with caplog.at_level(logging.WARNING, logger="childprotect.core.services"):
        result = deadlines_scan()

    assert told(emergency.pk, "overdue") == ["chair_a", "supervisor"]
    assert result.notifications == 2
    assert "inactive" not in caplog.text  # the scan picks who can act: it never hands notify an inactive account


def test_once_an_active_officer_is_in_charge_they_are_reminded_and_the_chair_is_not(
    emergency, officer_a, commune_a, clock
):
    deactivate(officer_a)
    colleague = UserFactory(username="officer_a2", role=Role.COMMUNE_OFFICER, unit=commune_a)
    emergency.case.__class__.objects.filter(pk=emergency.case_id).update(officer=colleague)
    clock.move_to(DUE_SOON)

    deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["officer_a2"]
    assert "không còn" not in Notification.objects.get(key=f"deadline:{emergency.pk}:due_soon").body


def test_a_referral_whose_agency_has_no_active_partner_is_reminded_to_the_chair(
    new_case, officer_a, chair_a, supervisor, police, police_agency, clock
):
    referral = send_referral(officer_a, new_case(), police_agency)
    deadline = referral.deadlines.get()
    deactivate(police)
    clock.move_to(deadline.remind_at)

    deadlines_scan()

    assert told(deadline.pk, "due_soon") == ["chair_a"]
    body = Notification.objects.get(key=f"deadline:{deadline.pk}:due_soon").body
    assert body.startswith(f"{police_agency.name} không còn tài khoản hoạt động.")


def test_an_overdue_referral_of_a_deactivated_sender_reaches_the_chair_not_the_sender(
    new_case, officer_a, chair_a, supervisor, police, police_agency, clock
):
    referral = send_referral(officer_a, new_case(), police_agency)
    deadline = referral.deadlines.get()
    deactivate(officer_a)
    clock.move_to(deadline.due_at)

    deadlines_scan()

    assert told(deadline.pk, "overdue") == ["chair_a", "police", "supervisor"]
    body = Notification.objects.get(recipient=chair_a, key=f"deadline:{deadline.pk}:overdue").body
    assert body.startswith(f"Cán bộ phụ trách không còn hoạt động: {officer_a}. Anh/chị nhận nhắc việc thay")


def test_notify_does_not_reach_an_inactive_account_and_says_so(officer_a, chair_a, caplog):
    deactivate(officer_a)
    officer_a.refresh_from_db()

    with caplog.at_level(logging.WARNING, logger="childprotect.core.services"):
        made = notify(recipients=[officer_a, chair_a], title="Ý kiến mới về hồ sơ")

    assert [n.recipient_id for n in made] == [chair_a.pk]
    assert f"inactive account(s) [{officer_a.pk}]: Ý kiến mới về hồ sơ" in caplog.text


# --- Cases filed under a 2024 commune (the crosswalk, docs/law.md#the-2025-reform) ------------------------------------


def test_a_case_under_an_old_commune_reminds_its_officer_now_of_the_commune_that_took_it_over(
    new_case, officer_a, chair_a, clock
):
    xw = crosswalk()
    case = file_under(new_case(), xw.dien_bien)  # Phường Điện Biên went whole into Phường Hạc Thành, officer_a's
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    clock.move_to(DUE_SOON)

    deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["officer_a"]


def test_with_its_officer_gone_the_successors_chair_stands_in(new_case, officer_a, chair_a, supervisor, clock):
    xw = crosswalk()
    case = file_under(new_case(), xw.dien_bien)
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    deactivate(officer_a)
    clock.move_to(DUE_SOON)

    deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["chair_a"]


def test_a_split_communes_case_goes_to_the_supervisors_not_to_a_guessed_chair(
    new_case, officer_a, chair_a, supervisor, clock
):
    xw = crosswalk()
    case = file_under(new_case(), xw.dong_cuong)  # split between Hạc Thành and Hàm Rồng: no commune is guessed
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    deactivate(officer_a)
    clock.move_to(DUE_SOON)

    deadlines_scan()

    assert told(emergency.pk, "due_soon") == ["supervisor"]
