"""The deadline scan at a pinned number of queries, the same with one deadline due as with many across two communes:
a scan that starts to query per deadline (or per recipient) fails here with the list of queries it ran.

Each case is opened at 09:00 on 20/11/2026 (report received 08:30) with a referral to its commune's police, and the
clock is moved past the 12-hour emergency limit and the urgent referral's answer: every case has an overdue emergency
decision and an overdue referral, each reminded to the officer, the chair, the supervisor, the sender and the police.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import Case, DeadlineKind, Reminder
from cases.services import deadlines_scan, report_attach_child
from childprotect.accounts.models import Role, User
from childprotect.core.models import Notification
from tests.factories import AgencyFactory, UserFactory
from tests.support.builders import send_referral
from tests.support.clock import RECEIVED_AT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

NAMES = [f"Nguyễn Văn {c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]


@pytest.fixture
def make_cases(officer_a, chair_a, officer_b, commune_b, supervisor, police, police_agency, make_report, make_child):
    UserFactory(username="chair_b", role=Role.COMMUNE_CHAIR, unit=commune_b, email="chair_b@thanhhoa.gov.vn")
    agency_b = AgencyFactory(name="Công an xã B", agency_type=police_agency.agency_type, unit=commune_b)
    UserFactory(username="police_b", role=Role.PARTNER, unit=commune_b, agency=agency_b, email="p@thanhhoa.gov.vn")
    for user in (officer_a, chair_a, officer_b, supervisor, police):
        user.email = f"{user.username}@thanhhoa.gov.vn"
        user.save(update_fields=["email"])

    def build(n: int) -> list[Case]:
        cases = []
        for i in range(n):
            officer, unit, agency = (officer_a, officer_a.unit, police_agency)
            if i % 2:
                officer, unit, agency = (officer_b, commune_b, agency_b)
            report = make_report(officer, incident_unit=unit)
            child = make_child(officer, full_name=NAMES[i % len(NAMES)] + f" {i}", residence_unit=unit)
            report_attach_child(actor=officer, report=report, child=child)
            case = report.cases.get(child=child)
            send_referral(officer, case, agency)
            cases.append(case)
        return cases

    return build


# The open deadlines due soon and overdue, the chairs and supervisors, the partners; then a savepoint, the
# reminders, the notifications, their messages (the notifications with their recipients, the recipients' choices of
# channels, the outbox rows: childprotect/alerts/services.py deliveries_plan) and its release.
SCAN_QUERIES = 11


@pytest.mark.parametrize(("cases", "deadlines"), [(1, 3), (10, 30)])
def test_the_scan_runs_the_same_queries_for_one_case_as_for_ten_in_two_communes(
    make_cases, clock, django_assert_num_queries, cases, deadlines
):
    make_cases(cases)
    clock.move_to(RECEIVED_AT + dt.timedelta(days=14))  # the emergency, plan and referral limits have all passed

    with django_assert_num_queries(SCAN_QUERIES):
        result = deadlines_scan()

    assert (result.due_soon, result.overdue, result.notifications) == (0, deadlines, 3 * deadlines)
    assert Reminder.objects.count() == deadlines
    with django_assert_num_queries(2):  # nothing is due any more: the two deadline queries, nothing else
        assert deadlines_scan().notifications == 0


@pytest.mark.parametrize(("cases", "deadlines"), [(1, 3), (10, 30)])
def test_standing_in_for_deactivated_officers_costs_no_query_more(
    make_cases, clock, django_assert_num_queries, officer_a, officer_b, cases, deadlines
):
    """The officers' accounts come with their deadlines: who stands in for them is worked out, not queried."""
    make_cases(cases)
    User.objects.filter(pk__in=[officer_a.pk, officer_b.pk]).update(is_active=False)
    clock.move_to(RECEIVED_AT + dt.timedelta(days=14))

    with django_assert_num_queries(SCAN_QUERIES):
        result = deadlines_scan()

    # The chair stands in for the officer (and the sender) and is told once: two people per case deadline, three
    # (partner, chair, supervisor) per referral deadline; none for an officer.
    assert (result.overdue, result.notifications) == (deadlines, 7 * deadlines // 3)
    assert not Notification.objects.filter(recipient__in=[officer_a, officer_b]).filter(key__startswith="deadline:")


# Two hours before the emergency limit (the only deadline due soon, no referral: no partners to read): the due-soon
# deadlines, the chairs and supervisors (read only because someone must stand in), the savepoint, the reminders,
# the notifications, their messages (three queries), its release; then the overdue ones (none).
DUE_SOON_STANDING_IN_QUERIES = 10


@pytest.mark.parametrize("cases", [1, 10])
def test_the_due_soon_scan_with_deactivated_officers_runs_the_same_queries_for_one_case_as_for_ten(
    make_cases, clock, django_assert_num_queries, officer_a, officer_b, cases
):
    made = make_cases(cases)
    User.objects.filter(pk__in=[officer_a.pk, officer_b.pk]).update(is_active=False)
    clock.move_to(made[0].deadlines.get(kind=DeadlineKind.EMERGENCY).remind_at)

    with django_assert_num_queries(DUE_SOON_STANDING_IN_QUERIES):
        result = deadlines_scan()

    assert (result.due_soon, result.notifications) == (cases, cases)
    assert set(
        Notification.objects.filter(key__startswith="deadline:").values_list("recipient__username", flat=True)
    ) <= {
        "chair_a",
        "chair_b",
    }
