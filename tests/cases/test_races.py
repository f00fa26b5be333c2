"""Two people acting on the same record at once: exactly one wins, the other is told in Vietnamese
and keeps what they typed, nobody gets a 500, and the audit log matches the data.

The first tests post a stale page one after the other (the loser's POST arrives after the winner's commit: the
case that lost input). The `race` tests are real concurrency: two threads, each with its own database connection,
released together by a barrier, on SQLite (WAL, IMMEDIATE) and, with DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case, CaseState, CaseStep, Reminder
from cases.services import deadlines_scan
from childprotect.accounts.models import Role
from childprotect.agencies.models import Agency, AgencyType
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from referrals.models import Consent, ReferralStatus, Urgency
from referrals.services import ReferralData, referral_act, referral_create
from reporting.models import PeriodicReport
from tests.factories import AgencyFactory, UserFactory
from tests.support.builders import open_case, walk
from tests.support.clock import RECEIVED_AT
from tests.support.concurrency import race, race_db
from tests.support.pages import client_for, html

pytestmark = pytest.mark.usefixtures("clock", "eager_celery")

STALE = "người khác cập nhật"
ROUNDS = 3


def assess_initial(version: int, summary: str) -> dict[str, str]:
    return {"version": str(version), "risk_level": "high", "level": "support", "summary": summary}


def draft_plan(version: int, goals: str) -> dict[str, str]:
    data = {"version": str(version), "goals": goals, "end_date": "30/12/2026"}
    data.update({"a-TOTAL_FORMS": "1", "a-INITIAL_FORMS": "0", "a-MIN_NUM_FORMS": "0", "a-MAX_NUM_FORMS": "30"})
    data.update({"a-0-activity": "Tư vấn tâm lý", "a-0-responsible": "Trạm Y tế", "a-0-resources": ""})
    data.update({"a-0-start": "23/11/2026", "a-0-end": "30/11/2026"})
    return data


@pytest.fixture
def officer_a2(commune_a):
    return UserFactory(username="officer_a2", full_name="Bùi Thị Hạnh", role=Role.COMMUNE_OFFICER, unit=commune_a)


def _referral(officer, case, agency: Agency):
    referral = referral_create(
        actor=officer,
        case=case,
        data=ReferralData(
            agency=agency,
            urgency=Urgency.URGENT,
            services_requested="Điều tra, xác minh hành vi bạo lực.",
            message="Liên hệ bà ngoại trước khi đến.",
            child_consent=Consent.GIVEN,
            carer_consent=Consent.GIVEN,
        ),
    )
    referral_act(actor=officer, referral=referral, action="send", version=referral.version)
    referral.refresh_from_db()
    return referral


# --- a stale page posted after the other person's commit --------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_case_step_keeps_the_input_and_says_why(officer_a, officer_a2, make_report, make_child):
    case = open_case(officer_a, make_report, make_child)
    first, second, version = client_for(officer_a), client_for(officer_a2), case.version
    url = reverse("cases:case_act", args=[case.pk, "assess_initial"])
    assert first.post(url, assess_initial(version, "Bản A")).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.INITIAL_ASSESSED

    response = second.post(url, assess_initial(version, "Nhận định của chị Hạnh"))

    assert response.status_code == 200
    assert STALE in html(response) and "Nhận định của chị Hạnh" in html(response)
    assert CaseStep.objects.filter(case=case, action="assess_initial").count() == 1
    assert AuditEntry.objects.filter(action="case.assess_initial", object_id=str(case.pk)).count() == 1


@pytest.mark.django_db
def test_a_stale_plan_draft_keeps_the_input(officer_a, officer_a2, chair_a, make_report, make_child):
    case = walk(open_case(officer_a, make_report, make_child), CaseState.ASSESSED, officer=officer_a, chair=chair_a)
    version = case.version
    url = reverse("cases:case_act", args=[case.pk, "draft_plan"])
    assert client_for(officer_a).post(url, draft_plan(version, "Kế hoạch của chị Hoà")).status_code == 302

    response = client_for(officer_a2).post(url, draft_plan(version, "Kế hoạch của chị Hạnh"))

    assert response.status_code == 200
    assert STALE in html(response) and "Kế hoạch của chị Hạnh" in html(response) and "Tư vấn tâm lý" in html(response)
    assert list(Case.objects.get(pk=case.pk).plans.values_list("goals", flat=True)) == ["Kế hoạch của chị Hoà"]


@pytest.mark.django_db
def test_a_stale_referral_answer_keeps_the_input(officer_a, police, police_agency, make_report, make_child):
    referral = _referral(officer_a, open_case(officer_a, make_report, make_child), police_agency)
    url = lambda action: reverse("referrals:referral_act", args=[referral.pk, action])  # noqa: E731
    version = referral.version
    assert client_for(police).post(url("accept"), {"version": version, "note": ""}).status_code == 302

    response = client_for(officer_a).post(url("decline"), {"version": version, "reason": "Công an trả lời bằng giấy"})

    assert response.status_code == 200
    assert STALE in html(response) and "Công an trả lời bằng giấy" in html(response)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


# --- real concurrency: two threads, two connections, one barrier -------------------------------------------------


@race_db
def test_two_people_taking_the_same_case_step_at_once(officer_a, officer_a2, make_report, make_child):
    for n in range(ROUNDS):
        case = open_case(officer_a, make_report, make_child, child_name=f"Trẻ thử {n}")
        url, v = reverse("cases:case_act", args=[case.pk, "assess_initial"]), case.version
        a, b = client_for(officer_a), client_for(officer_a2)
        results = race(
            lambda a=a, url=url, v=v: a.post(url, assess_initial(v, "Nhận định A")),
            lambda b=b, url=url, v=v: b.post(url, assess_initial(v, "Nhận định B")),
        )
        assert all(not isinstance(r, BaseException) for r in results), results
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 302], codes
        loser = next(r for r in results if r.status_code == 200)
        assert STALE in html(loser) and ("Nhận định A" in html(loser) or "Nhận định B" in html(loser))
        assert CaseStep.objects.filter(case=case, action="assess_initial").count() == 1
        assert AuditEntry.objects.filter(action="case.assess_initial", object_id=str(case.pk)).count() == 1


@race_db
def test_two_people_opening_the_same_periodic_report_at_once(officer_a, chair_a, commune_a):
    for year in range(2026, 2026 + ROUNDS):
        a, b = client_for(officer_a), client_for(chair_a)
        data = {"kind": "semiannual", "year": str(year)}
        results = race(
            lambda a=a, data=data: a.post(reverse("reporting:report_new"), data),
            lambda b=b, data=data: b.post(reverse("reporting:report_new"), data),
        )
        assert all(not isinstance(r, BaseException) for r in results), results
        assert [r.status_code for r in results] == [302, 302]
        report = PeriodicReport.objects.get(unit=commune_a, kind="semiannual", year=year)
        assert {r.url for r in results} == {reverse("reporting:report_detail", args=[report.pk])}
        assert AuditEntry.objects.filter(action="report.prepare", object_id=str(report.pk)).count() == 1


@race_db
def test_the_agency_and_the_commune_answering_a_referral_at_once(officer_a, police, make_report, make_child):
    agency = AgencyFactory(name="Công an phường thử", agency_type=AgencyType.POLICE, unit=police.unit)
    police.agency = agency
    police.save(update_fields=["agency"])
    for n in range(ROUNDS):
        referral = _referral(officer_a, open_case(officer_a, make_report, make_child, child_name=f"Trẻ {n}"), agency)
        url = lambda action, pk=referral.pk: reverse("referrals:referral_act", args=[pk, action])  # noqa: E731
        a, b = client_for(police), client_for(officer_a)
        v = referral.version
        results = race(
            lambda a=a, url=url, v=v: a.post(url("accept"), {"version": v, "note": "Đã nhận"}),
            lambda b=b, url=url, v=v: b.post(url("accept"), {"version": v, "note": "Ghi nhận thay"}),
        )
        assert all(not isinstance(r, BaseException) for r in results), results
        assert sorted(r.status_code for r in results) == [200, 302]
        loser = next(r for r in results if r.status_code == 200)
        assert STALE in html(loser) or "vừa được người khác cập nhật" in html(loser)
        assert AuditEntry.objects.filter(action="referral.accept", object_id=str(referral.pk)).count() == 1


@race_db
def test_two_people_opening_a_case_for_the_same_child_at_once(officer_a, chair_a, make_report, make_child):
    for n in range(ROUNDS):
        report, child = make_report(officer_a), make_child(officer_a, full_name=f"Trẻ mở hồ sơ {n}")
        url = reverse("cases:report_children", args=[report.pk])
        a, b = client_for(officer_a), client_for(chair_a)
        data = {"action": "attach", "child": str(child.pk)}
        results = race(lambda a=a, url=url, d=data: a.post(url, d), lambda b=b, url=url, d=data: b.post(url, d))
        assert all(not isinstance(r, BaseException) for r in results), results
        assert [r.status_code for r in results] == [302, 302]
        case = Case.objects.get(report=report, child=child)
        assert AuditEntry.objects.filter(action="case.open", object_id=str(case.pk)).count() == 1
        assert AuditEntry.objects.filter(action="report.attach_child", object_id=str(report.pk)).count() == 1


# --- two deadline scans at once ------------------------------------------------------------------------------------


@race_db
def test_two_deadline_scans_at_once_remind_each_deadline_exactly_once(
    new_case, officer_a, chair_a, supervisor, police, police_agency, clock
):
    for name in ("Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung"):
        _referral(officer_a, new_case(child_name=name), police_agency)
    clock.move_to(RECEIVED_AT + dt.timedelta(days=14))  # emergency, plan and referral limits all passed: 12 overdue

    results = race(deadlines_scan, deadlines_scan)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r.overdue for r in results) == Reminder.objects.count() == 12
    # Each overdue deadline tells three people (officer, chair or police, supervisor), once whoever won it.
    assert sum(r.notifications for r in results) == Notification.objects.filter(key__startswith="deadline:").count()
    assert Notification.objects.filter(key__startswith="deadline:").count() == 36
