"""Selectors: accent-free search, who sees which children and reports, likely duplicates, repeated reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Child, Report
from cases.selectors import (
    child_duplicate_candidates,
    children_visible_to,
    name_matches,
    open_reports_for_children,
    reports_visible_to,
)
from cases.services import report_attach_child

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def names(qs) -> set[str]:
    return {c.full_name for c in qs}


# --- name search ---------------------------------------------------------------------------------------------------


@pytest.fixture
def registry(officer_a, make_child):
    return {
        "an": make_child(officer_a, full_name="Nguyễn Văn An", national_id="038215000123"),
        "hoa": make_child(officer_a, full_name="Nguyễn Thị Hòa", sex="female", date_of_birth=dt.date(2014, 6, 1)),
        "hoa2": make_child(officer_a, full_name="Trần Thị Hoà", sex="female", date_of_birth=dt.date(2013, 1, 9)),
        "khoi": make_child(officer_a, full_name="Lê Minh Khôi", other_names="Bờm", date_of_birth=dt.date(2016, 2, 2)),
    }


def test_name_search_ignores_accents_and_case(registry):
    assert names(name_matches(Child.objects.all(), "nguyen van an")) == {"Nguyễn Văn An"}
    assert names(name_matches(Child.objects.all(), "NGUYỄN  văn AN")) == {"Nguyễn Văn An"}
    assert names(name_matches(Child.objects.all(), "nguyen")) == {"Nguyễn Văn An", "Nguyễn Thị Hòa"}


def test_name_search_treats_both_tone_mark_styles_as_one(registry):
    # "Hoà" (new style) and "Hòa" (old style) are the same name.
    assert names(name_matches(Child.objects.all(), "Hoà")) == {"Nguyễn Thị Hòa", "Trần Thị Hoà"}
    assert names(name_matches(Child.objects.all(), "Hòa")) == {"Nguyễn Thị Hòa", "Trần Thị Hoà"}
    assert names(name_matches(Child.objects.all(), "nguyen thi hoà")) == {"Nguyễn Thị Hòa"}


def test_name_search_looks_in_other_names(registry):
    assert names(name_matches(Child.objects.all(), "bom")) == {"Lê Minh Khôi"}


def test_a_12_digit_query_finds_the_national_id(registry):
    assert names(name_matches(Child.objects.all(), "038215000123")) == {"Nguyễn Văn An"}
    assert names(name_matches(Child.objects.all(), " 038215000123 ")) == {"Nguyễn Văn An"}
    assert not name_matches(Child.objects.all(), "038215000999").exists()


# --- children_visible_to -------------------------------------------------------------------------------------------


@pytest.fixture
def two_children(officer_a, officer_b, make_child, commune_b):
    in_a = make_child(officer_a, full_name="Nguyễn Văn An")
    in_b = make_child(officer_b, full_name="Phạm Thị Cúc", sex="female", residence_unit=commune_b)
    return in_a, in_b


def visible(*users) -> list[set[Child]]:
    """The children each user sees, in order."""
    return [set(children_visible_to(user)) for user in users]


def test_an_officer_sees_the_children_living_in_their_commune(officer_a, officer_b, two_children):
    in_a, in_b = two_children

    assert visible(officer_a, officer_b) == [{in_a}, {in_b}]


def test_an_officer_sees_a_child_of_another_commune_attached_to_a_report_of_theirs(
    officer_a, officer_b, chair_a, two_children, make_report
):
    in_a, in_b = two_children
    report = make_report(officer_a)
    report_attach_child(actor=officer_a, report=report, child=in_b)

    assert visible(officer_a, chair_a, officer_b) == [{in_a, in_b}, {in_a, in_b}, {in_b}]


def test_the_supervisor_sees_both_communes_the_police_none_the_administrator_all(
    supervisor, police, administrator, two_children, make_report
):
    in_a, in_b = two_children
    report = make_report(police)
    report_attach_child(actor=supervisor, report=report, child=in_a)

    # the police: not even the child of the report it logged
    assert visible(supervisor, police, administrator) == [{in_a, in_b}, set(), {in_a, in_b}]


# --- reports_visible_to --------------------------------------------------------------------------------------------


def test_reports_are_visible_in_the_commune_of_the_incident_and_above(
    officer_a, officer_b, chair_a, supervisor, administrator, make_report
):
    report = make_report(officer_a)

    assert list(reports_visible_to(officer_a)) == [report]
    assert list(reports_visible_to(chair_a)) == [report]
    assert list(reports_visible_to(supervisor)) == [report]
    assert list(reports_visible_to(administrator)) == [report]
    assert not reports_visible_to(officer_b).exists()


def test_the_police_sees_only_the_reports_it_logged(police, officer_a, make_report):
    own = make_report(police)
    make_report(officer_a)  # same commune, logged by the officer

    assert list(reports_visible_to(police)) == [own]


# --- child_duplicate_candidates ------------------------------------------------------------------------------------


def test_same_name_and_birth_date_is_a_candidate(officer_a, make_child, commune_a):
    existing = make_child(officer_a)

    candidates = child_duplicate_candidates(
        officer_a, full_name="Nguyễn Văn An", date_of_birth=dt.date(2015, 3, 5), residence_unit=commune_a
    )

    assert [c.child for c in candidates] == [existing]
    assert candidates[0].reasons == ["cùng họ tên", "cùng ngày sinh", "cùng xã, phường"]


def test_different_spacing_case_and_accents_still_match(officer_a, make_child):
    existing = make_child(officer_a)

    candidates = child_duplicate_candidates(officer_a, full_name="NGUYEN VAN  AN", date_of_birth=dt.date(2015, 3, 5))

    assert [c.child for c in candidates] == [existing]
    assert "cùng ngày sinh" in candidates[0].reasons


def test_a_name_with_a_missing_middle_name_is_similar(officer_a, make_child):
    existing = make_child(officer_a)

    candidates = child_duplicate_candidates(officer_a, full_name="Nguyễn An", birth_year=2015)

    assert [(c.child, c.reasons) for c in candidates] == [(existing, ["họ tên gần giống", "cùng năm sinh"])]


def test_same_name_alone_is_not_a_candidate(supervisor, officer_b, make_child, commune_a, commune_b):
    make_child(officer_b, residence_unit=commune_b, date_of_birth=dt.date(2012, 3, 5))

    candidates = child_duplicate_candidates(
        supervisor, full_name="Nguyễn Văn An", date_of_birth=dt.date(2015, 3, 5), residence_unit=commune_a
    )

    assert candidates == []


def test_a_carer_phone_in_another_format_matches(supervisor, officer_b, make_child, commune_a, commune_b):
    existing = make_child(
        officer_b,
        residence_unit=commune_b,
        date_of_birth=dt.date(2012, 3, 5),
        carers=[{"full_name": "Nguyễn Thị Lan", "relation": "Mẹ", "phone": "0912345678"}],
    )

    candidates = child_duplicate_candidates(
        supervisor,
        full_name="Nguyễn Văn An",
        date_of_birth=dt.date(2015, 3, 5),
        residence_unit=commune_a,
        carer_phones=["+84 912 345 678"],
    )

    assert [(c.child, c.reasons) for c in candidates] == [
        (existing, ["cùng họ tên", "trùng số điện thoại người chăm sóc"])
    ]


def test_candidates_never_include_children_the_user_cannot_see(officer_a, officer_b, supervisor, make_child, commune_b):
    hidden = make_child(officer_b, residence_unit=commune_b)

    assert child_duplicate_candidates(officer_a, full_name="Nguyễn Văn An", date_of_birth=dt.date(2015, 3, 5)) == []
    seen = child_duplicate_candidates(supervisor, full_name="Nguyễn Văn An", date_of_birth=dt.date(2015, 3, 5))
    assert [c.child for c in seen] == [hidden]


def test_a_different_given_name_is_not_a_candidate(officer_a, make_child, commune_a):
    make_child(officer_a)

    candidates = child_duplicate_candidates(
        officer_a, full_name="Nguyễn Văn Anh", date_of_birth=dt.date(2015, 3, 5), residence_unit=commune_a
    )

    assert candidates == []


def test_candidates_with_more_signs_come_first_and_exclude_pk_is_left_out(officer_a, make_child, commune_a):
    weak = make_child(officer_a, date_of_birth=dt.date(2012, 1, 1))  # name and commune
    strong = make_child(officer_a, carers=[{"full_name": "Nguyễn Thị Lan", "phone": "0912345678"}])

    candidates = child_duplicate_candidates(
        officer_a,
        full_name="Nguyễn Văn An",
        date_of_birth=dt.date(2015, 3, 5),
        residence_unit=commune_a,
        carer_phones=["0912 345 678"],
    )
    assert [c.child for c in candidates] == [strong, weak]

    without = child_duplicate_candidates(
        officer_a, full_name="Nguyễn Văn An", residence_unit=commune_a, exclude_pk=strong.pk
    )
    assert [c.child for c in without] == [weak]


# --- open_reports_for_children -------------------------------------------------------------------------------------


def test_a_second_open_report_for_the_same_child_lists_the_first(officer_a, make_report, make_child):
    child = make_child(officer_a)
    first, second = make_report(officer_a), make_report(officer_a)
    report_attach_child(actor=officer_a, report=first, child=child)
    report_attach_child(actor=officer_a, report=second, child=child)

    assert list(open_reports_for_children(officer_a, second)) == [first]
    assert list(open_reports_for_children(officer_a, first)) == [second]


def test_a_closed_report_is_not_listed(officer_a, make_report, make_child):
    child = make_child(officer_a)
    first, second = make_report(officer_a), make_report(officer_a)
    report_attach_child(actor=officer_a, report=first, child=child)
    report_attach_child(actor=officer_a, report=second, child=child)
    Report.objects.filter(pk=first.pk).update(status="closed")

    assert not open_reports_for_children(officer_a, second).exists()


def test_a_report_the_viewer_cannot_see_is_not_listed(
    officer_a, officer_b, supervisor, make_report, make_child, commune_b
):
    child = make_child(officer_b, residence_unit=commune_b)
    in_b = make_report(officer_b, incident_unit=commune_b)
    in_a = make_report(officer_a)
    report_attach_child(actor=officer_b, report=in_b, child=child)
    report_attach_child(actor=officer_a, report=in_a, child=child)

    assert not open_reports_for_children(officer_a, in_a).exists()
    assert list(open_reports_for_children(supervisor, in_a)) == [in_b]


def test_a_report_with_two_shared_children_is_listed_once(officer_a, make_report, make_child):
    an = make_child(officer_a)
    binh = make_child(officer_a, full_name="Lê Thị Bình", sex="female")
    first, second = make_report(officer_a), make_report(officer_a)
    for report in (first, second):
        for child in (an, binh):
            report_attach_child(actor=officer_a, report=report, child=child)

    assert list(open_reports_for_children(officer_a, second)) == [first]


# --- query counts of the list pages --------------------------------------------------------------------------------

GIVEN_NAMES = ["An", "Bình", "Cúc", "Dũng", "Hà", "Khôi", "Lan", "Minh", "Nam", "Phúc", "Quân", "Thảo"]


def add_children(actor, make_child, start: int, count: int) -> None:
    for i in range(start, start + count):
        make_child(
            actor,
            full_name=f"Trần Văn {GIVEN_NAMES[i % len(GIVEN_NAMES)]} {i}",
            date_of_birth=dt.date(2012 + i % 5, 1 + i % 12, 1 + i % 28),
            circumstances=["d"] if i % 2 else [],
            carers=[{"full_name": f"Trần Văn Bố {i}", "phone": f"09123450{i:02d}"}],
        )


def add_reports(actor, make_report, make_child, count: int) -> None:
    for _ in range(count):
        report = make_report(actor, forms=["violence", "sexual_molestation"])
        report_attach_child(actor=actor, report=report, child=make_child(actor, full_name=f"Lê Văn Tú {report.pk}"))


def test_the_children_list_page_uses_a_constant_number_of_queries(
    client, officer_a, make_child, django_assert_max_num_queries
):
    client.force_login(officer_a)
    url = reverse("cases:child_list")
    add_children(officer_a, make_child, 0, 3)
    with django_assert_max_num_queries(50) as captured:
        response = client.get(url)
    assert len(response.context["page"]) == 3
    bound = len(captured)

    add_children(officer_a, make_child, 3, 20)
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert len(response.context["page"]) == 23
    with django_assert_max_num_queries(bound):
        response = client.get(url, {"q": "tran van", "circumstance": "d", "order": "birth"})
    assert len(response.context["page"]) == 11


def test_the_reports_list_page_uses_a_constant_number_of_queries(
    client, officer_a, make_report, make_child, django_assert_max_num_queries
):
    client.force_login(officer_a)
    url = reverse("cases:report_list")
    add_reports(officer_a, make_report, make_child, 3)
    with django_assert_max_num_queries(50) as captured:
        response = client.get(url)
    assert len(response.context["page"]) == 3
    bound = len(captured)

    add_reports(officer_a, make_report, make_child, 20)
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert len(response.context["page"]) == 23
    with django_assert_max_num_queries(bound):
        response = client.get(url, {"status": "received", "form": "violence"})
    assert len(response.context["page"]) == 23


def test_the_search_on_the_report_children_page_uses_a_constant_number_of_queries(
    client, officer_a, make_report, make_child, django_assert_max_num_queries
):
    report = make_report(officer_a)
    client.force_login(officer_a)
    url = reverse("cases:report_children", args=[report.pk])
    add_children(officer_a, make_child, 0, 3)
    with django_assert_max_num_queries(50) as captured:
        response = client.get(url, {"q": "tran van"})
    assert len(response.context["found"]) == 3
    bound = len(captured)

    add_children(officer_a, make_child, 3, 12)
    with django_assert_max_num_queries(bound):
        response = client.get(url, {"q": "tran van"})
    assert len(response.context["found"]) == 15


def test_the_reports_on_a_childs_page_use_a_constant_number_of_queries(
    client, officer_a, make_report, make_child, django_assert_max_num_queries
):
    child = make_child(officer_a)
    client.force_login(officer_a)
    url = reverse("cases:child_detail", args=[child.pk])

    def add(count: int) -> None:
        for _ in range(count):
            report_attach_child(actor=officer_a, report=make_report(officer_a), child=child)

    add(1)
    with django_assert_max_num_queries(50) as captured:
        response = client.get(url)
    assert len(response.context["reports"]) == 1
    bound = len(captured)

    add(5)
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert len(response.context["reports"]) == 6
