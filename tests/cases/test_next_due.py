"""The case's next deadline kept on the case (Case.next_due_at, next_due_kind) and the case list ordered by it.

Every write that opens, settles or cancels a deadline keeps the copy right in its transaction: the workflow's steps,
a separation's extension, a referral sent and answered, closure. Each check below reads the deadlines themselves, not
the copy, and compares. The clock is frozen at 20/11/2026 09:00 unless moved (tests/support/clock.py).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.models import Case, CaseState, Deadline, DeadlineKind, DeadlineStatus
from tests.support.builders import SEPARATION, act, referral_step, send_referral, walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def earliest_open(case: Case) -> tuple[dt.datetime | None, str]:
    """What the copy must say, read from the deadlines: the earliest open one, the case's own or a referral's."""
    first = Deadline.objects.filter(case=case, status=DeadlineStatus.OPEN).order_by("due_at", "id").first()
    return (first.due_at, first.kind) if first else (None, "")


def kept(case: Case) -> tuple[dt.datetime | None, str]:
    fresh = Case.all_objects.get(pk=case.pk)
    return fresh.next_due_at, fresh.next_due_kind


def test_the_next_deadline_follows_the_case_through_steps_referrals_and_separation(
    new_case, officer_a, chair_a, police, police_agency, settings
):
    # The emergency's plan clock as long as the ordinary one, so the referral's answer falls due first.
    settings.CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS = 5
    case = new_case()
    # Opened: the 12-hour clock runs from the report's receipt (08:30), before the plan's 5 working days.
    assert kept(case) == earliest_open(case)
    assert kept(case)[1] == DeadlineKind.EMERGENCY
    assert kept(case)[0] is not None

    act(officer_a, case, "assess_initial")
    assert kept(case) == earliest_open(case)
    act(chair_a, case, "decide_emergency", **SEPARATION)  # settles the 12 hours, starts the separation's end
    assert kept(case) == earliest_open(case)
    assert kept(case)[1] != DeadlineKind.EMERGENCY

    referral = send_referral(officer_a, case, police_agency)  # the agency's time to answer: a deadline of the case
    assert Deadline.objects.filter(referral=referral, status=DeadlineStatus.OPEN).exists()
    assert kept(case) == earliest_open(case)
    assert kept(case)[1] == DeadlineKind.REFERRAL_RESPONSE  # hours or days, sooner than the case's own clocks

    case.refresh_from_db()
    act(chair_a, case, "extend_separation")
    assert kept(case) == earliest_open(case)

    referral_step(police, referral, "accept")  # the answer settles the referral's deadline
    assert not Deadline.objects.filter(referral=referral, status=DeadlineStatus.OPEN).exists()
    assert kept(case) == earliest_open(case)
    assert kept(case)[1] != DeadlineKind.REFERRAL_RESPONSE

    act(officer_a, case, "assess_specific")
    assert kept(case) == earliest_open(case)


def test_closing_a_case_leaves_it_no_next_deadline(new_case, officer_a, chair_a):
    case = new_case()
    for state in (CaseState.ASSESSED, CaseState.IMPLEMENTING, CaseState.REVIEWED, CaseState.CLOSED):
        walk(case, state, officer=officer_a, chair=chair_a)
        assert kept(case) == earliest_open(case), state
    assert kept(case) == (None, "")


def _expected_order(cases: list[Case]) -> list[int]:
    """The list's order from the deadlines: the earliest open deadline first, cases without one last; newest first
    among equals."""
    keyed = [(earliest_open(c)[0] is None, earliest_open(c)[0] or timezone.now(), -c.pk, c.pk) for c in cases]
    return [pk for *_key, pk in sorted(keyed)]


def test_the_case_list_is_ordered_by_the_next_deadline_and_overdue_is_a_missed_one(
    new_case, officer_a, chair_a, supervisor, police_agency, client, clock
):
    received = new_case(child_name="Trần Thị Bình")  # 12 hours from 08:30
    implementing = walk(new_case(child_name="Lê Văn Cường"), CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    closed = walk(new_case(child_name="Phạm Thị Dung"), CaseState.CLOSED, officer=officer_a, chair=chair_a)
    referred = walk(new_case(child_name="Hoàng Văn Em"), CaseState.EMERGENCY_DECIDED, officer=officer_a, chair=chair_a)
    send_referral(officer_a, referred, police_agency)
    second = new_case(child_name="Vũ Thị Giang")  # the same 12 hours as `received`: the newer case first
    cases = [received, implementing, closed, referred, second]

    listed = [c.pk for c in selectors.cases_list(supervisor, selectors.CaseFilters())]
    assert listed == _expected_order(cases)
    assert listed.index(second.pk) < listed.index(received.pk)
    assert listed[-1] == closed.pk

    clock.move_to(timezone.now() + dt.timedelta(days=2))  # past the 12 hours, before the plan's 5 working days
    now = timezone.now()
    missed = {c.pk for c in cases if (due := earliest_open(c)[0]) is not None and due <= now}
    assert missed == {received.pk, second.pk}
    overdue = selectors.cases_list(supervisor, selectors.CaseFilters(overdue=True))
    assert [c.pk for c in overdue] == [pk for pk in _expected_order(cases) if pk in missed]

    client.force_login(supervisor)
    page = client.get(reverse("cases:case_list")).content.decode()
    shown = [timezone.localtime(due).strftime("%d/%m/%Y %H:%M") for c in cases if (due := earliest_open(c)[0])]
    assert all(text in page for text in shown)
    assert page.count("Quá hạn</span>") == 2


def test_the_migration_fills_the_next_deadline_of_the_cases_already_recorded(new_case, officer_a, chair_a):
    implementing = walk(new_case(child_name="Lê Văn Cường"), CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    cases = [new_case(), implementing]
    closed = walk(new_case(child_name="Phạm Thị Dung"), CaseState.CLOSED, officer=officer_a, chair=chair_a)
    Case.all_objects.update(next_due_at=None, next_due_kind="")  # as they were before the column existed

    import_module("cases.migrations.0011_case_next_due").fill(apps, None)

    assert [kept(c) for c in cases] == [earliest_open(c) for c in cases]
    assert all(kept(c)[0] is not None for c in cases)
    assert kept(closed) == (None, "")
