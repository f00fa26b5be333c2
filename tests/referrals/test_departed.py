"""Referrals of officers who left (deactivated, or moved to another commune or role): a referral has no officer of
its own, the commune's side of it is the case's officer in charge and its sender. The agency's answers never go only
to someone who left, the chair's and the supervisor's home pages list the open referrals nobody answers for, and a
draft whose writer left is every commune officer's to finish."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childprotect.accounts.models import Role
from childprotect.core.models import Notification
from home.selectors import my_work
from tests.factories import UserFactory
from tests.support.builders import act as case_step
from tests.support.builders import referral_step as act
from tests.support.pages import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


@pytest.fixture
def officer_a2(commune_a):
    return UserFactory(username="officer_a2", full_name="Lê Thị Hoa", role=Role.COMMUNE_OFFICER, unit=commune_a)


def deactivate(user) -> None:
    user.is_active = False
    user.save(update_fields=["is_active"])


def departed_card(client) -> str:
    """The home page's card of what the people who left had ("" when there is none)."""
    text = html(client.get("/"))
    start = text.find('id="departed"')
    return text[start : text.index("</section>", start)] if start >= 0 else ""


def told(referral, action: str) -> dict[str, Notification]:
    rows = Notification.objects.filter(key=f"referral:{referral.pk}:{action}").select_related("recipient")
    return {n.recipient.username: n for n in rows}


def test_the_answer_to_a_referral_of_an_officer_who_left_goes_to_the_chair(sent, officer_a, chair_a, police):
    referral = sent()
    deactivate(officer_a)  # the sender and the case's officer

    act(police, referral, "accept", note="Đã phân công điều tra viên.")

    notes = told(referral, "accept")
    assert set(notes) == {"chair_a"}
    assert notes["chair_a"].body.startswith(f"Cán bộ phụ trách không còn hoạt động: {officer_a}.")


def test_a_sender_who_moved_away_is_replaced_by_the_chair_beside_the_new_officer(
    sent, case, officer_a, officer_a2, chair_a, police, commune_b
):
    referral = sent()
    case_step(chair_a, case, "reassign", officer=officer_a2)
    officer_a.unit = commune_b  # moved: the account is still active, and must not be told any more
    officer_a.save(update_fields=["unit"])

    act(police, referral, "decline", reason="Không thuộc địa bàn.")

    notes = told(referral, "decline")
    assert set(notes) == {"officer_a2", "chair_a"}
    assert notes["chair_a"].body.startswith(f"Người gửi chuyển tuyến không còn phụ trách: {officer_a}.")
    assert notes["chair_a"].body.endswith("Không thuộc địa bàn.")


def test_while_everyone_can_act_the_answer_goes_to_the_sender_and_the_officer(sent, officer_a, police):
    referral = sent()
    act(police, referral, "accept")
    assert set(told(referral, "accept")) == {"officer_a"}
    assert told(referral, "accept")["officer_a"].body == ""


def test_the_open_referrals_of_a_departed_officers_case_are_listed_and_follow_the_case(
    client, sent, draft, case, officer_a, officer_a2, chair_a, supervisor
):
    referral, other = sent(), draft()
    client.force_login(chair_a)
    assert "chuyển tuyến đang mở không còn người phụ trách" not in departed_card(client)

    deactivate(officer_a)
    for person in (chair_a, supervisor):
        client.force_login(person)
        text = departed_card(client)
        assert "2 chuyển tuyến đang mở không còn người phụ trách" in text
        for r in (referral, other):
            assert reverse("referrals:referral_detail", args=[r.pk]) in text

    case_step(chair_a, case, "reassign", officer=officer_a2)  # the referrals go with the case
    client.force_login(chair_a)
    text = departed_card(client)
    # Only the draft stays listed: its writer left, and the new officer finds it in their own work.
    assert "1 chuyển tuyến đang mở không còn người phụ trách" in text
    assert reverse("referrals:referral_detail", args=[referral.pk]) not in text
    assert reverse("referrals:referral_detail", args=[other.pk]) in [i.url for i in my_work(officer_a2).items]


def test_a_draft_whose_writer_left_is_listed_and_in_every_commune_officers_work(
    client, draft, case, officer_a, officer_a2, chair_a, commune_b
):
    case_step(chair_a, case, "reassign", officer=officer_a2)
    referral = draft()  # written by officer_a, who no longer has the case
    url = reverse("referrals:referral_detail", args=[referral.pk])
    assert url not in [i.url for i in my_work(officer_a2).items]  # officer_a's to finish

    officer_a.unit = commune_b
    officer_a.save(update_fields=["unit"])

    client.force_login(chair_a)
    text = departed_card(client)
    assert "1 chuyển tuyến đang mở không còn người phụ trách" in text
    assert url in text
    assert url in [i.url for i in my_work(officer_a2).items]


def test_a_sent_referral_whose_sender_left_is_not_listed_while_the_case_has_its_officer(
    client, sent, case, officer_a, officer_a2, chair_a
):
    referral = sent()
    case_step(chair_a, case, "reassign", officer=officer_a2)
    deactivate(officer_a)
    client.force_login(chair_a)
    assert reverse("referrals:referral_detail", args=[referral.pk]) not in departed_card(client)
