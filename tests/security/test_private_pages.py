"""Pages made for a signed-in person are not kept by the browser or a proxy: `Cache-Control: no-store, private` on
every page of protected data (child, case, report, referral, periodic report), as the PDFs and exports already have."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.support.world import NOW

pytestmark = pytest.mark.django_db


def pages(world) -> dict[str, str]:
    child, case, report = world.children["A"], world.cases["A"], world.reports["A"]
    referral, periodic = world.referrals["A"], world.periodic["A"]
    return {
        "child": reverse("cases:child_detail", args=[child.pk]),
        "child edit": reverse("cases:child_edit", args=[child.pk]),
        "children list": reverse("cases:child_list"),
        "case": reverse("cases:case_detail", args=[case.pk]),
        "cases list": reverse("cases:case_list"),
        "report": reverse("cases:report_detail", args=[report.pk]),
        "report children": reverse("cases:report_children", args=[report.pk]),
        "reports list": reverse("cases:report_list"),
        "referral": reverse("referrals:referral_detail", args=[referral.pk]),
        "referrals list": reverse("referrals:referral_list"),
        "periodic report": reverse("reporting:report_detail", args=[periodic.pk]),
        "home": reverse("home"),
    }


def page_as(world, role: str, url: str):
    """The page as the world's `role` gets it, at the tests' instant."""
    client = Client()
    client.force_login(world.users[role])
    with time_machine.travel(NOW, tick=False):
        return client.get(url)


@pytest.mark.parametrize("role", ["officer_a", "supervisor", "admin"])
def test_every_protected_page_says_no_store(world, role):
    client = Client()
    client.force_login(world.users[role])
    with time_machine.travel(NOW, tick=False):
        for kind, url in pages(world).items():
            response = client.get(url)
            # The administrator registers and edits no child (403): the refusal is private too.
            refused = role == "admin" and kind in ("child edit", "report children")
            assert response.status_code == (403 if refused else 200), (kind, url)
            assert response["Cache-Control"] == "no-store, private", (kind, url)


def test_the_partners_referral_page_says_no_store(world):
    response = page_as(world, "police", reverse("referrals:referral_detail", args=[world.referrals["A"].pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_static_files_are_still_cacheable(client):
    assert "no-store" not in client.get("/static/vendor/bootstrap/bootstrap.min.css").get("Cache-Control", "")


def test_a_header_the_view_set_itself_is_kept(world):
    response = page_as(world, "officer_a", reverse("referrals:referral_letter", args=[world.referrals["A"].pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
