"""The deadline scan covers referrals: the agency is reminded before its answer is due, and once it is overdue the
agency, the officer who sent it and the supervisors above the commune are told; each exactly once."""

from __future__ import annotations

import pytest
from django.core import mail

from cases.models import Reminder, ReminderKind
from cases.services import deadlines_scan
from childprotect.accounts.models import Role
from childprotect.core.models import Notification
from referrals.models import Urgency
from tests.factories import UserFactory
from tests.support.builders import referral_step as act
from tests.support.clock import local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def referral_keys(referral) -> list[tuple[str, str]]:
    deadline = referral.deadlines.get()
    return sorted(
        Notification.objects.filter(key__startswith=f"deadline:{deadline.pk}:").values_list(
            "recipient__username", "key"
        )
    )


@pytest.fixture
def everyone(officer_a, chair_a, officer_b, supervisor, police, health, administrator):
    for user in (officer_a, chair_a, officer_b, supervisor, police, health, administrator):
        user.email = f"{user.username}@thanhhoa.gov.vn"
        user.save(update_fields=["email"])


def test_the_agency_is_reminded_once_before_an_urgent_answer_is_due(
    sent, everyone, clock, django_capture_on_commit_callbacks
):
    referral = sent()  # urgent, sent Fri 20/11 09:00: due Sat 21/11 09:00, reminder from 07:00
    key = f"deadline:{referral.deadlines.get().pk}:due_soon"
    clock.move_to(local(2026, 11, 21, 6, 59))
    deadlines_scan()
    assert referral_keys(referral) == []

    clock.move_to(local(2026, 11, 21, 7, 0))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_scan()
        deadlines_scan()

    assert referral_keys(referral) == [("police", key)]
    told = Notification.objects.get(key=key)
    assert told.title == f"Sắp đến hạn phản hồi chuyển tuyến {referral} – Công an phường Hạc Thành"
    assert told.url == f"/referrals/{referral.pk}/"
    assert [m.to for m in mail.outbox] == [["police@thanhhoa.gov.vn"]]


def test_an_overdue_answer_escalates_to_the_sender_and_the_supervisor_exactly_once(
    sent, everyone, clock, officer_a, police_agency
):
    colleague = UserFactory(username="police2", role=Role.PARTNER, unit=None, agency=police_agency)
    referral = sent()
    key = f"deadline:{referral.deadlines.get().pk}:overdue"
    clock.move_to(local(2026, 11, 21, 9, 0))

    deadlines_scan()
    deadlines_scan()

    assert referral_keys(referral) == [
        ("officer_a", key),
        ("police", key),
        ("police2", key),
        ("supervisor", key),
    ]
    assert Notification.objects.get(recipient=officer_a, key=key).url == f"/cases/{referral.case_id}/"
    assert Notification.objects.get(recipient=colleague, key=key).url == f"/referrals/{referral.pk}/"
    assert Reminder.objects.filter(deadline__referral=referral, kind=ReminderKind.OVERDUE).count() == 1


def test_an_answered_or_withdrawn_referral_is_not_reminded(sent, everyone, clock, police, officer_a):
    answered, withdrawn = sent(), sent(urgency=Urgency.NORMAL)
    act(police, answered, "accept")
    act(officer_a, withdrawn, "withdraw", reason="Không còn cần.")
    clock.move_to(local(2026, 12, 31, 9, 0))

    deadlines_scan()

    assert referral_keys(answered) == [] and referral_keys(withdrawn) == []
