"""Referral pages through the test client: the issue's journey (officer refers to the police, the police partner
accepts and records an outcome, the officer sees it on the case), every view against the fixed cast and outsiders,
need-to-know on the partner's page, bad input, and query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case
from childprotect.agencies.models import AgencyType
from childprotect.audit.models import AuditEntry
from referrals.models import OutcomeOption, Referral, ReferralStatus
from tests.support.builders import REPORTER_NAME
from tests.support.builders import referral_step as act
from tests.support.pages import html, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]
R = ReferralStatus


def detail(referral: Referral) -> str:
    return reverse("referrals:referral_detail", args=[referral.pk])


def step_url(referral: Referral, action: str) -> str:
    return reverse("referrals:referral_act", args=[referral.pk, action])


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def post_completion(client, referral, version, *, outcome, reference: str, actions: str):
    """The referral's "complete" form posted with an outcome, its reference and what was done."""
    return client.post(
        step_url(referral, "complete"),
        {"version": version, "outcome": outcome.pk, "outcome_reference": reference, "actions_taken": actions},
    )


def test_the_issue_journey_refer_accept_complete_and_the_case_timeline(
    client, case, officer_a, police, police_agency, health
):
    # The officer refers the case to the police from the case page.
    client.force_login(officer_a)
    page = client.get(case_url(case))
    assert reverse("referrals:referral_create", args=[case.pk]) in html(page)
    form = client.get(reverse("referrals:referral_create", args=[case.pk]))
    assert f'<option value="{police_agency.pk}">Công an phường Hạc Thành' in html(form)
    response = client.post(
        reverse("referrals:referral_create", args=[case.pk]),
        {
            "agency": police_agency.pk,
            "urgency": "urgent",
            "services_requested": "Điều tra, xác minh hành vi bạo lực.",
            "message": "Trẻ đang ở nhà bà ngoại.",
            "child_consent": "given",
            "carer_consent": "given",
            "consent_note": "",
        },
    )
    referral = Referral.objects.get()
    assert response.url == detail(referral) and referral.status == R.DRAFT
    send = client.get(step_url(referral, "send"))
    response = client.post(step_url(referral, "send"), {"version": version_on(send), "note": ""})
    assert response.url == detail(referral)
    referral.refresh_from_db()
    assert referral.status == R.SENT

    # The police partner sees only this referral: the child, not the reporter.
    client.force_login(police)
    home = html(client.get(reverse("home")))
    assert str(referral) in home
    listing = client.get(reverse("referrals:referral_list"))
    assert list(listing.context["page"]) == [referral]
    page = client.get(detail(referral))
    assert page.status_code == 200
    assert "Nguyễn Văn An" in html(page) and "Điều tra, xác minh hành vi bạo lực." in html(page)
    assert REPORTER_NAME not in html(page) and "0987 654 321" not in html(page)
    assert [s.action for s in page.context["steps"]] == ["accept", "decline"]
    # The case URL leads the partner to the referral, never to the case page.
    assert client.get(case_url(case)).url == detail(referral)

    accept = client.get(step_url(referral, "accept"))
    assert client.post(step_url(referral, "accept"), {"version": version_on(accept), "note": ""}).status_code == 302
    fine = OutcomeOption.objects.get(agency_type=AgencyType.POLICE, code="administrative_fine")
    response = post_completion(
        client,
        referral,
        version_on(client.get(step_url(referral, "complete"))),
        outcome=fine,
        reference="15/QĐ-XPHC",
        actions="Đã lập biên bản, ra quyết định xử phạt người cha.",
    )
    assert response.url == detail(referral)
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (R.COMPLETED, fine)

    # The officer sees the outcome on the case page and its timeline.
    client.force_login(officer_a)
    page = html(client.get(case_url(case)))
    assert f"Chuyển tuyến {referral} – Công an phường Hạc Thành" in page
    assert "Xử phạt vi phạm hành chính" in page and "15/QĐ-XPHC" in page
    assert "→ Đã hoàn thành" in page

    # The health partner sees nothing of it.
    client.force_login(health)
    assert list(client.get(reverse("referrals:referral_list")).context["page"]) == []
    for url in (detail(referral), case_url(case), step_url(referral, "accept")):
        assert client.get(url).status_code == 404


def test_after_withdrawal_the_partner_gets_404_on_the_case_and_the_referral(client, sent, officer_a, police):
    referral = sent()
    client.force_login(officer_a)
    form = client.get(step_url(referral, "withdraw"))
    response = client.post(step_url(referral, "withdraw"), {"version": version_on(form), "reason": "Trùng."})
    assert response.url == case_url(referral.case)

    client.force_login(police)
    for url in (case_url(referral.case), detail(referral), step_url(referral, "accept")):
        assert client.get(url).status_code == 404
    assert list(client.get(reverse("referrals:referral_list")).context["page"]) == []


# --- every view against the cast -----------------------------------------------------------------------------------

VIEWS = ["list", "create", "detail", "accept", "withdraw", "letter"]


def urls(referral: Referral) -> dict[str, str]:
    return {
        "list": reverse("referrals:referral_list"),
        "create": reverse("referrals:referral_create", args=[referral.case_id]),
        "detail": detail(referral),
        "accept": step_url(referral, "accept"),
        "withdraw": step_url(referral, "withdraw"),
        "letter": reverse("referrals:referral_letter", args=[referral.pk]),
    }


# Expected status of a GET for each of the cast on a referral sent from commune A to the police of commune A.
EXPECTED = {
    "officer_a": {"list": 200, "create": 200, "detail": 200, "accept": 200, "withdraw": 200, "letter": 200},
    "chair_a": {"list": 200, "create": 200, "detail": 200, "accept": 200, "withdraw": 200, "letter": 200},
    "officer_b": {"list": 200, "create": 404, "detail": 404, "accept": 404, "withdraw": 404, "letter": 404},
    "supervisor": {"list": 200, "create": 403, "detail": 200, "accept": 403, "withdraw": 403, "letter": 200},
    "police": {"list": 200, "create": 404, "detail": 200, "accept": 200, "withdraw": 403, "letter": 200},
    "health": {"list": 200, "create": 404, "detail": 404, "accept": 404, "withdraw": 404, "letter": 404},
    # The administrator reaches everything but takes no part in the casework.
    "admin": {"list": 200, "create": 403, "detail": 200, "accept": 403, "withdraw": 403, "letter": 200},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_every_referral_view_for_each_of_the_cast(client, sent, cast, health, who):
    referral = sent()
    user = health if who == "health" else cast[who]
    client.force_login(user)
    before = Referral.objects.values().get(pk=referral.pk)

    got = {name: client.get(url).status_code for name, url in urls(referral).items()}

    assert got == EXPECTED[who]
    assert Referral.objects.values().get(pk=referral.pk) == before


@pytest.mark.parametrize("name", VIEWS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, sent, name):
    response = client.get(urls(sent())[name])

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("who", ["officer_b", "health"])
def test_outsiders_posting_change_nothing(client, sent, cast, health, who):
    referral = sent()
    client.force_login(health if who == "health" else cast[who])

    for action in ("accept", "decline", "withdraw", "complete"):
        response = client.post(step_url(referral, action), {"version": referral.version, "reason": "x"})
        assert response.status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == R.SENT


def test_the_list_of_a_supervisor_covers_the_province_and_of_officer_b_only_commune_b(
    client, sent, supervisor, officer_b
):
    referral = sent()
    client.force_login(supervisor)
    assert list(client.get(reverse("referrals:referral_list")).context["page"]) == [referral]
    overdue = client.get(reverse("referrals:referral_list"), {"overdue": "on"})
    assert list(overdue.context["page"]) == []
    client.force_login(officer_b)
    assert list(client.get(reverse("referrals:referral_list")).context["page"]) == []


@pytest.mark.parametrize(
    "name", ["cases:case_list", "cases:child_list", "cases:child_create", "cases:report_list", "places:list"]
)
def test_a_partner_with_a_referral_still_has_no_registry(client, sent, police, name):
    referral = sent()
    client.force_login(police)

    response = client.get(reverse(name))

    if name in ("cases:report_list", "places:list"):
        # Reports the agency logged itself (intake) and the public list of units remain; no referred child is in them.
        assert response.status_code == 200
        assert referral.case.child.full_name not in html(response)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["cases:child_detail", "cases:report_detail", "cases:case_act", "cases:case_form_pdf", "cases:report_form_pdf"],
)
def test_a_partner_with_a_referral_gets_404_on_the_childs_and_the_cases_other_pages(client, sent, police, name):
    referral = sent()
    case = referral.case
    args = {
        "cases:child_detail": [case.child_id],
        "cases:report_detail": [case.report_id],
        "cases:case_act": [case.pk, "assess_initial"],
        "cases:case_form_pdf": [case.pk, "02"],
        "cases:report_form_pdf": [case.report_id],
    }[name]
    client.force_login(police)

    assert client.get(reverse(name, args=args)).status_code == 404


# --- forms: bad input, stale versions, need-to-know ----------------------------------------------------------------


def test_completing_without_the_reference_a_prosecution_needs_shows_the_error_and_saves_nothing(client, sent, police):
    referral = sent()
    act(police, referral, "accept")
    client.force_login(police)
    page = client.get(step_url(referral, "complete"))
    prosecuted = OutcomeOption.objects.get(agency_type=AgencyType.POLICE, code="prosecuted")

    response = post_completion(
        client, referral, version_on(page), outcome=prosecuted, reference="", actions="Đã khởi tố."
    )

    assert response.status_code == 200
    assert "Kết quả “Khởi tố vụ án hình sự” cần số quyết định, số văn bản." in html(response)
    assert Referral.objects.get(pk=referral.pk).status == R.ACCEPTED


def test_a_health_outcome_cannot_be_posted_for_a_police_referral(client, sent, police):
    referral = sent()
    act(police, referral, "accept")
    client.force_login(police)
    forensic = OutcomeOption.objects.get(agency_type=AgencyType.HEALTH, code="forensic")

    response = client.post(
        step_url(referral, "complete"),
        {"version": referral.version + 1, "outcome": forensic.pk, "outcome_reference": "1", "actions_taken": "x"},
    )

    assert response.status_code == 200 and "outcome" in response.context["form"].errors
    assert Referral.objects.get(pk=referral.pk).status == R.ACCEPTED


def test_a_stale_form_keeps_the_input_and_says_someone_else_saved(client, sent, police, officer_a):
    referral = sent()
    client.force_login(officer_a)
    page = client.get(step_url(referral, "withdraw"))
    act(police, referral, "accept")

    response = client.post(step_url(referral, "withdraw"), {"version": version_on(page), "reason": "Trùng hồ sơ."})

    assert response.status_code == 200
    assert "Chuyển tuyến vừa được người khác cập nhật." in html(response)
    assert "Trùng hồ sơ." in html(response)
    assert version_on(response) == str(Referral.objects.get(pk=referral.pk).version)


def test_a_draft_with_missing_consent_shows_field_errors_in_vietnamese(client, case, officer_a, police_agency):
    client.force_login(officer_a)

    response = client.post(
        reverse("referrals:referral_create", args=[case.pk]),
        {"agency": police_agency.pk, "urgency": "normal", "services_requested": "", "child_consent": ""},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"services_requested", "child_consent", "carer_consent"} <= set(errors)
    assert not Referral.objects.exists()


def test_the_partner_sees_perpetrators_only_when_the_agency_is_police_procuracy_or_court(
    client, officer_a, make_report, make_child, referral_data, police, health, health_agency
):
    from cases.models import Term, TermKind
    from referrals.services import referral_create
    from tests.support.builders import open_case

    father = Term.objects.filter(kind=TermKind.RELATION).first()
    case = open_case(
        officer_a,
        make_report,
        make_child,
        perpetrators=[{"name": "Nguyễn Văn Hùng", "relation": father, "sex": "male", "lives_with_child": True}],
    )
    to_police = referral_create(actor=officer_a, case=case, data=referral_data())
    to_health = referral_create(actor=officer_a, case=case, data=referral_data(agency=health_agency))
    act(officer_a, to_police, "send")
    act(officer_a, to_health, "send")

    client.force_login(police)
    assert "Nguyễn Văn Hùng" in html(client.get(detail(to_police)))
    client.force_login(health)
    page = html(client.get(detail(to_health)))
    assert "Nguyễn Văn An" in page and "Nguyễn Văn Hùng" not in page


def test_each_view_of_a_referral_is_audited_with_what_was_shown(client, sent, police):
    referral = sent()
    client.force_login(police)

    client.get(detail(referral))

    entry = AuditEntry.objects.get(actor=police, action="referral.view")
    assert (entry.object_id, entry.changes) == (str(referral.pk), {"case": referral.case_id, "child_shown": True})


# --- query counts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["police", "supervisor"])
def test_the_list_and_detail_make_a_fixed_number_of_queries(client, sent, cast, who, django_assert_num_queries):
    user = cast[who]
    client.force_login(user)
    sent()
    client.get(reverse("referrals:referral_list"))  # warm caches (session, content types)
    with django_assert_num_queries(100, exact=False) as one:
        client.get(reverse("referrals:referral_list"))
    for _ in range(4):
        sent()
    with django_assert_num_queries(len(one)) as five:
        response = client.get(reverse("referrals:referral_list"))

    assert len(response.context["page"]) == 5
    assert len(five) == len(one)

    referral = Referral.objects.earliest("id")
    with django_assert_num_queries(25, exact=False):  # at most 25
        client.get(detail(referral))


def test_the_referral_page_shows_every_viewer_what_the_agency_receives(
    client, officer_a, chair_a, supervisor, make_report, make_child, referral_data, police, health_agency
):
    """The suspects (and that the carer is one) go to the police, procuracy and courts only: the commune's own view of
    a health agency's referral shows what that agency receives, and says why the suspects are not in it."""
    from cases.models import Term, TermKind
    from referrals.services import referral_create
    from tests.support.builders import open_case

    father = Term.objects.filter(kind=TermKind.RELATION).first()
    case = open_case(
        officer_a,
        make_report,
        make_child,
        carer_is_perpetrator=True,
        perpetrators=[{"name": "Nguyễn Văn Hùng", "relation": father, "sex": "male", "lives_with_child": True}],
    )
    to_police = referral_create(actor=officer_a, case=case, data=referral_data())
    to_health = referral_create(actor=officer_a, case=case, data=referral_data(agency=health_agency))
    act(officer_a, to_police, "send")

    for viewer in (officer_a, chair_a, supervisor):
        client.force_login(viewer)
        page = html(client.get(detail(to_health)))
        assert "Nguyễn Văn An" in page and "Nguyễn Văn Hùng" not in page, viewer
        assert "Người chăm sóc là người xâm hại" not in page
        assert "không gửi cho cơ quan này" in page
        page = html(client.get(detail(to_police)))
        assert "Nguyễn Văn Hùng" in page and "Người chăm sóc là người xâm hại" in page, viewer
