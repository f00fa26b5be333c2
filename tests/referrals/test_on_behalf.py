"""Issue 18: on a sent referral, the commune waits for the agency. Its page says so; accepting or declining on the
agency's behalf (a paper answer) stays possible, in a secondary, clearly labelled section, never as the primary button.
The agency's partner still sees "Tiếp nhận chuyển tuyến" as the primary action.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.support.builders import referral_step as act

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

ON_BEHALF = "Ghi nhận phản hồi bằng văn bản của cơ quan"


def links(content: str) -> dict[str, str]:
    """Each link of the page by its address: its class."""
    return {href: cls for cls, href in re.findall(r'<a class="([^"]*)" href="([^"]*)"', content)}


def section(content: str) -> str:
    """The on-behalf section of the page ("" if there is none)."""
    match = re.search(r'<details class="on-behalf[^"]*"[^>]*>(.*?)</details>', content, re.S)
    return match.group(1) if match else ""


def step(referral, action: str) -> str:
    return reverse("referrals:referral_act", args=[referral.pk, action])


@pytest.mark.parametrize("who", ["officer_a", "chair_a"])
def test_the_commune_waits_for_the_agency_and_records_a_paper_answer_only_as_a_secondary_action(
    client, sent, cast, who
):
    referral = sent()
    client.force_login(cast[who])
    content = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()
    found = links(content)
    assert "Chờ Công an phường Hạc Thành phản hồi" in content
    assert "btn-primary" not in " ".join(found.values())  # nothing the commune should do is primary here
    for action in ("accept", "decline"):
        assert "btn-primary" not in found[step(referral, action)]
        assert step(referral, action) in section(content)
    assert ON_BEHALF in content
    assert "btn-primary" not in found[step(referral, "withdraw")]
    assert step(referral, "withdraw") not in section(content)


def test_the_on_behalf_form_says_it_records_the_agencys_answer(client, sent, officer_a):
    referral = sent()
    client.force_login(officer_a)
    content = client.get(step(referral, "accept")).content.decode()
    assert "Ghi nhận thay Công an phường Hạc Thành" in content


def test_the_partner_still_accepts_with_the_primary_button(client, sent, police):
    referral = sent()
    client.force_login(police)
    content = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()
    assert "btn-primary" in links(content)[step(referral, "accept")]
    assert section(content) == "" and ON_BEHALF not in content
    assert "Ghi nhận thay" not in client.get(step(referral, "accept")).content.decode()


def test_on_an_accepted_referral_the_commune_records_the_outcome_on_behalf_only(client, sent, officer_a, police):
    referral = sent()
    act(police, referral, "accept")
    client.force_login(officer_a)
    content = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()
    for action in ("start", "note", "complete"):
        assert step(referral, action) in section(content)
        assert "btn-primary" not in links(content)[step(referral, action)]


def test_a_draft_is_sent_with_the_primary_button(client, draft, officer_a):
    referral = draft()
    client.force_login(officer_a)
    content = client.get(reverse("referrals:referral_detail", args=[referral.pk])).content.decode()
    assert "btn-primary" in links(content)[step(referral, "send")]
    assert "btn-primary" not in links(content)[step(referral, "edit")]
    assert section(content) == ""


def test_a_paper_answer_recorded_by_the_chair_tells_the_officer_who_sent_it(sent, officer_a, chair_a):
    from childprotect.core.models import Notification

    referral = sent()
    act(chair_a, referral, "accept", note="Công an phường trả lời bằng văn bản số 12/CV.")
    told = Notification.objects.get(key=f"referral:{referral.pk}:accept")
    assert told.recipient == officer_a and "ghi nhận thay" in told.title
    assert not Notification.objects.filter(recipient=chair_a, key=f"referral:{referral.pk}:accept").exists()
