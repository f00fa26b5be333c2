"""The home page lists the deadlines falling due today and those already missed, within the user's reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.services import report_attach_child
from tests.support.clock import TZ

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


@pytest.fixture
def overdue_case(officer_a, make_report, make_child):
    # Received at 19/11 20:00: the 12 hours ran out at 08:00 today (the clock stands at 20/11 09:00).
    report = make_report(officer_a, received_at=dt.datetime(2026, 11, 19, 20, 0, tzinfo=TZ))
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    return report.cases.get()


def test_officer_sees_the_missed_12_hours_on_the_home_page(client, officer_a, overdue_case):
    client.force_login(officer_a)
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert response.context["due_count"] == 1
    assert str(overdue_case) in content and "Quá hạn" in content


def test_supervisor_sees_it_with_the_commune_and_the_other_commune_does_not(
    client, supervisor, officer_b, overdue_case
):
    client.force_login(supervisor)
    content = client.get(reverse("home")).content.decode()
    assert str(overdue_case) in content and "Phường Hạc Thành" in content
    client.force_login(officer_b)
    response = client.get(reverse("home"))
    assert response.context["due_count"] == 0
    assert str(overdue_case) not in response.content.decode()


def test_home_page_queries_do_not_grow_with_the_deadlines(
    client, officer_a, make_report, make_child, django_assert_max_num_queries
):
    client.force_login(officer_a)
    for _ in range(2):
        report = make_report(officer_a, received_at=dt.datetime(2026, 11, 19, 20, 0, tzinfo=TZ))
        report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    with django_assert_max_num_queries(50) as captured:
        client.get(reverse("home"))
    bound = len(captured)
    for _ in range(6):
        report = make_report(officer_a, received_at=dt.datetime(2026, 11, 19, 20, 0, tzinfo=TZ))
        report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    with django_assert_max_num_queries(bound):
        response = client.get(reverse("home"))
    assert response.context["due_count"] == 8


def test_a_12_hour_deadline_ending_tonight_is_listed_with_a_countdown(
    client, officer_a, make_report, make_child, clock
):
    """Issue 15: received 16:50, the 12 hours end at 04:50 tomorrow: "today" must not hide it."""
    clock.move_to(dt.datetime(2026, 11, 20, 17, 30, tzinfo=TZ))
    report = make_report(officer_a, received_at=dt.datetime(2026, 11, 20, 16, 50, tzinfo=TZ))
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    tonight = report.cases.get()
    late = make_report(officer_a, received_at=dt.datetime(2026, 11, 20, 3, 30, tzinfo=TZ))  # due 15:30: 2 hours ago
    report_attach_child(actor=officer_a, report=late, child=make_child(officer_a, full_name="Trần Thị Bé"))
    overdue = late.cases.get()

    client.force_login(officer_a)
    response = client.get(reverse("home"))
    content = response.content.decode()
    due = {(d.case_id, d.kind) for d in response.context["due"]}
    assert (tonight.pk, "emergency") in due and (overdue.pk, "emergency") in due
    assert response.context["due_count"] == 2  # the 5 working days of the plans are further off
    assert "còn 11 giờ 20 phút" in content and "quá hạn 2 giờ" in content
    # "due soon" and "overdue" differ by class and by words, not by colour alone
    assert content.count('class="badge badge-due-soon"') >= 1 and "Sắp đến hạn" in content
    assert content.count('class="badge badge-overdue"') >= 1 and "Quá hạn" in content
    assert 'datetime="2026-11-20T21:50:00+00:00" data-countdown' in content  # 04:50 local, for the page's script
