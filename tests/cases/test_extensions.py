"""The case page's extension points (cases/extensions.py): what an app above cases adds, and what the page is without.

`cases` imports no app above it; `referrals` registers its card, its timeline events and the partner's route from its
AppConfig.ready(). Without them the page still works: the case's own timeline, and a partner finds no way in (404).
"""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from cases import extensions
from tests.support.builders import send_referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


@pytest.fixture
def case(new_case):
    return new_case()


def test_referrals_add_their_card_their_events_and_the_partners_route(case, officer_a, police, police_agency):
    referral = send_referral(officer_a, case, police_agency)
    parts = extensions.case_page_parts(officer_a, case)
    assert list(parts["referrals"]) == [referral]
    assert parts["can_refer"] is True
    assert any(getattr(item, "referral_id", None) == referral.pk for item in parts["timeline"])
    assert extensions.partner_case_url(police, case.pk) == reverse("referrals:referral_detail", args=[referral.pk])


def test_without_the_apps_above_the_page_has_the_cases_own_timeline_and_no_partner_route(
    case, officer_a, police, police_agency, monkeypatch
):
    send_referral(officer_a, case, police_agency)
    monkeypatch.setattr(extensions, "_PARTS", {})
    monkeypatch.setattr(extensions, "_PARTNER_ROUTES", {})
    parts = extensions.case_page_parts(officer_a, case)
    assert set(parts) == {"timeline"}
    assert [s.pk for s in parts["timeline"]] == list(case.steps.values_list("pk", flat=True))
    with pytest.raises(Http404):
        extensions.partner_case_url(police, case.pk)


def test_a_partner_without_a_referral_to_the_case_gets_404(case, police):
    with pytest.raises(Http404):
        extensions.partner_case_url(police, case.pk)
