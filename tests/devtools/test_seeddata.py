"""The synthetic data generator (seeddata) on a tiny run: counts, top-up, and the application working on its rows.

The generator writes with the ORM's bulk_create only (plus VACUUM ANALYZE on PostgreSQL), so this runs on SQLite too.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import F

from cases import selectors
from cases.models import Case, CaseStep, Child, Deadline, Report, ReportAbuse
from cases.selectors import case_officer_departed
from cases.services.casework import deadlines_scan
from childprotect.text import fold
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def seed(**sizes: int) -> str:
    out = io.StringIO()
    call_command("seeddata", province="2026:38", seed=1, stdout=out, **sizes)
    return out.getvalue()


def test_tiny_run_counts_and_shapes(cast, province):
    seed(children=200, cases=30)
    assert Child.objects.count() == 200
    assert Case.objects.count() == 30
    assert set(Case.objects.values_list("unit__parent", flat=True)) == {province.pk}
    # Every case has its own report with at least one form of abuse; a few new reports wait in the inboxes.
    assert Report.objects.filter(cases__isnull=False).distinct().count() == 30
    assert Report.objects.filter(status="received", cases__isnull=True).exists()
    assert ReportAbuse.objects.values("report").distinct().count() == Report.objects.count()
    # Names with diacritics, their folded column as the application computes it; ages 0–15.
    children = list(Child.objects.all())
    assert all(c.name_folded == fold(c.full_name) for c in children)
    assert any(c.full_name != c.name_folded for c in children)
    assert all(0 <= Child.objects.all()[0].created_at.year - c.birth_year <= 15 for c in children)
    # Steps, open deadlines only on open cases, closed cases with their closing moment.
    assert CaseStep.objects.count() > 30
    assert not Deadline.objects.filter(status="open", case__state="closed").exists()
    assert all(c.closed_at for c in Case.objects.filter(state="closed"))
    # Each case carries its open deadline, as the services keep it (the case list sorts on it).
    open_due = dict(Deadline.objects.filter(status="open").values_list("case_id", "due_at"))
    assert {c.pk: c.next_due_at for c in Case.objects.all()} == {c.pk: open_due.get(c.pk) for c in Case.objects.all()}
    assert Case.objects.filter(next_due_at__isnull=False).exists()
    assert Case.objects.exclude(state="closed").exists()
    assert Referral.objects.count() >= 0
    # Each case is worked by an active officer of its own commune: none waits to be handed over as if they had left.
    assert not Case.objects.filter(case_officer_departed()).exists()
    assert Case.objects.exclude(officer__unit=F("unit")).count() == 0


def test_top_up_is_idempotent(cast):
    seed(children=100, cases=10)
    seed(children=100, cases=10)
    assert (Child.objects.count(), Case.objects.count()) == (100, 10)
    seed(children=150, cases=15)
    assert (Child.objects.count(), Case.objects.count()) == (150, 15)


def test_application_works_on_the_generated_data(cast, client):
    seed(children=200, cases=30)
    supervisor, officer = cast["supervisor"], cast["officer_a"]
    assert selectors.cases_list(supervisor, selectors.CaseFilters()).count() == 30
    family = Child.objects.all()[0].full_name.split()[0]
    assert selectors.children_list(supervisor, selectors.ChildFilters(q=fold(family))).exists()
    deadlines_scan()  # the reminder scan runs over the generated deadlines
    client.force_login(supervisor)
    assert client.get("/cases/").status_code == 200
    assert client.get("/children/?q=" + fold(family)).status_code == 200
    assert client.get(f"/cases/{Case.objects.latest('pk').pk}/").status_code == 200
    client.force_login(officer)
    assert client.get("/").status_code == 200
