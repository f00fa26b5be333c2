"""Issue 14: "Việc của tôi", every case, referral and periodic report whose next step is the user's, on the home page.

Whose turn it is comes from the workflow tables; each item is one click from its step's form; the list keeps to the
user's reach and costs the same queries for 1 or 10 items. The clock starts at 20/11/2026 09:00
(the `clock` fixture) and moves an hour between records, so "oldest first" has an order to check.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import CaseState
from cases.workflow import TRANSITIONS, waiting_on
from childprotect.accounts.models import Role, User
from home.selectors import my_work
from referrals import workflow as referral_flow
from reporting import workflow as report_flow
from reporting.services import report_act, report_prepare
from tests.support.builders import send_referral as send
from tests.support.builders import walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def case_in(make_report, make_child):
    def build(officer, name, **report):
        received = make_report(officer, incident_unit=officer.unit, **report)
        child = make_child(officer, full_name=name, residence_unit=officer.unit)
        from cases.services import report_attach_child

        report_attach_child(actor=officer, report=received, child=child)
        return received.cases.get(child=child)

    return build


@pytest.fixture
def world(officer_a, chair_a, officer_b, chair_b, police, police_agency, case_in, clock):
    """Commune A: cases at each hand-over, a referral drafted and one sent to the police, its 6-month report in draft.
    Commune B: a case of its own and its 6-month report sent to the province."""
    from referrals.models import Consent
    from referrals.services import ReferralData, referral_create

    made = {}
    made["received"] = case_in(officer_a, "An")  # the officer's: initial assessment
    clock.shift(HOUR)
    made["emergency"] = walk(case_in(officer_a, "Bình"), CaseState.INITIAL_ASSESSED, officer=officer_a, chair=chair_a)
    clock.shift(HOUR)
    made["implementing"] = walk(case_in(officer_a, "Cúc"), CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    clock.shift(HOUR)
    made["plan"] = walk(case_in(officer_a, "Dũng"), CaseState.PLAN_DRAFTED, officer=officer_a, chair=chair_a)
    clock.shift(HOUR)
    made["closed"] = walk(case_in(officer_a, "Hà"), CaseState.CLOSED, officer=officer_a, chair=chair_a)
    clock.shift(HOUR)
    made["sent"] = send(officer_a, made["implementing"], police_agency)
    clock.shift(HOUR)
    made["draft"] = referral_create(
        actor=officer_a,
        case=made["implementing"],
        data=ReferralData(
            agency=police_agency,
            services_requested="Xác minh.",
            child_consent=Consent.GIVEN,
            carer_consent=Consent.GIVEN,
        ),
    )
    clock.shift(HOUR)
    made["report_a"] = report_prepare(actor=officer_a, unit=officer_a.unit, kind="semiannual", year=2026)
    clock.shift(HOUR)
    made["b_case"] = case_in(officer_b, "Giang")
    report_b = report_prepare(actor=chair_b, unit=chair_b.unit, kind="semiannual", year=2026)
    made["report_b"] = report_act(actor=chair_b, report=report_b, action="submit", version=report_b.version, data={})
    return made


def urls(work) -> list[str]:
    return [item.url for item in work.items]


def first_actions(work) -> list[str]:
    return [item.actions[0].url for item in work.items]


def test_the_turns_come_from_the_workflow_table():
    assert waiting_on(CaseState.RECEIVED) == {Role.COMMUNE_OFFICER}
    assert waiting_on(CaseState.INITIAL_ASSESSED) == {Role.COMMUNE_CHAIR}
    assert waiting_on(CaseState.PLAN_DRAFTED) == {Role.COMMUNE_CHAIR}  # a supervisor may return it, not approve it
    assert waiting_on(CaseState.IMPLEMENTING) == {Role.COMMUNE_OFFICER}
    assert waiting_on(CaseState.CLOSURE_PROPOSED) == {Role.COMMUNE_CHAIR}
    assert waiting_on(CaseState.CLOSED) == frozenset()
    for state in CaseState.values:  # every open state waits on someone who may act on it
        if state != CaseState.CLOSED:
            assert waiting_on(state)
            assert all(any(state in t.sources and role in t.roles for t in TRANSITIONS) for role in waiting_on(state))
    assert referral_flow.waiting_on("draft") == {Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR}
    assert referral_flow.waiting_on("sent") == {Role.PARTNER}  # commune staff only record a paper answer
    assert referral_flow.waiting_on("in_progress") == {Role.PARTNER}
    assert referral_flow.waiting_on("completed") == frozenset()
    assert report_flow.waiting_on("draft") == {"preparer", "signer"}
    assert report_flow.waiting_on("submitted") == {"reviewer"}
    assert report_flow.waiting_on("approved") == frozenset()


def test_the_officer_has_her_cases_drafts_and_report_oldest_first(officer_a, world):
    work = my_work(officer_a)
    received, implementing, draft, report = world["received"], world["implementing"], world["draft"], world["report_a"]
    assert urls(work) == [
        reverse("cases:case_detail", args=[received.pk]),
        reverse("cases:case_detail", args=[implementing.pk]),
        reverse("referrals:referral_detail", args=[draft.pk]),
        reverse("reporting:report_detail", args=[report.pk]),
    ]
    assert first_actions(work) == [
        reverse("cases:case_act", args=[received.pk, "assess_initial"]),
        reverse("cases:case_act", args=[implementing.pk, "review"]),
        reverse("referrals:referral_act", args=[draft.pk, "send"]),
        reverse("reporting:report_act", args=[report.pk, "edit"]),
    ]
    assert work.total == 4
    assert work.items[0].due is not None  # the 12 hours of the emergency decision


def test_the_chair_has_the_decisions_and_the_report_to_sign(chair_a, world):
    work = my_work(chair_a)
    emergency, plan, report = world["emergency"], world["plan"], world["report_a"]
    assert urls(work) == [
        reverse("cases:case_detail", args=[emergency.pk]),
        reverse("cases:case_detail", args=[plan.pk]),
        reverse("reporting:report_detail", args=[report.pk]),
    ]
    assert first_actions(work) == [
        reverse("cases:case_act", args=[emergency.pk, "decide_emergency"]),
        reverse("cases:case_act", args=[plan.pk, "approve_plan"]),  # approving first, returning second
        reverse("reporting:report_act", args=[report.pk, "submit"]),
    ]
    assert [a.url for a in work.items[1].actions][1] == reverse("cases:case_act", args=[plan.pk, "return_plan"])


def test_the_supervisor_has_the_reports_sent_up_to_review(supervisor, world):
    work = my_work(supervisor)
    report = world["report_b"]
    assert urls(work) == [reverse("reporting:report_detail", args=[report.pk])]
    assert [a.url for a in work.items[0].actions] == [
        reverse("reporting:report_act", args=[report.pk, "approve"]),
        reverse("reporting:report_act", args=[report.pk, "return"]),
    ]


def test_the_partner_has_the_referral_to_answer_and_the_admin_nothing(police, administrator, world):
    work = my_work(police)
    sent = world["sent"]
    assert urls(work) == [reverse("referrals:referral_detail", args=[sent.pk])]
    assert work.items[0].actions[0].label == "Tiếp nhận chuyển tuyến"
    assert work.items[0].due is not None
    assert my_work(administrator).items == [] and my_work(administrator).total == 0


def test_outsiders_see_nothing_of_commune_a(officer_b, chair_b, world):
    assert urls(my_work(officer_b)) == [reverse("cases:case_detail", args=[world["b_case"].pk])]
    assert my_work(chair_b).items == []  # its report is sent; commune A's decisions are not B's


def test_each_role_sees_the_list_on_the_home_page_one_click_from_each_step(client, cast, world):
    for who in ("officer_a", "chair_a", "supervisor", "police", "admin"):
        client.force_login(cast[who])
        response = client.get(reverse("home"))
        content = response.content.decode()
        assert "Việc của tôi" in content, who
        for item in response.context["my_work"].items:
            for action in item.actions:
                assert f'href="{action.url}"' in content
                assert client.get(action.url).status_code == 200, (who, action.url)
    client.force_login(cast["admin"])
    assert "Không có việc nào đang chờ bạn." in client.get(reverse("home")).content.decode()


def test_my_work_costs_the_same_queries_for_1_or_10_items(officer_a, chair_a, case_in, django_assert_num_queries):
    case_in(officer_a, "Trẻ 0")

    def fresh():
        return User.objects.select_related("unit").get(pk=officer_a.pk)

    with django_assert_num_queries(20, exact=False) as one:
        assert len(my_work(fresh()).items) == 1
    for i in range(1, 10):
        case = case_in(officer_a, f"Trẻ {i}")
        if i % 3 == 0:
            walk(case, CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    with django_assert_num_queries(len(one)):
        assert len(my_work(fresh()).items) == 10
