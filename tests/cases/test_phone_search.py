"""Search by phone number: a carer's on the children lists (web and API), the reporter's on the reports list for those
who may see reporters only. Every way of writing a number is one number (cases.models `phone_digits`)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from cases.models import Carer, Report, phone_digits
from cases.selectors import phone_query
from tests.support.api_matrix import person_http
from tests.support.pages import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

WAYS = ["0912345678", "0912 345 678", "0912.345.678", "0912-345-678", "(091) 234 5678", "+84 912 345 678",
        "84912345678", "+84912345678", "0084 912 345 678", "912345678"]  # fmt: skip


@pytest.mark.parametrize("typed", WAYS)
def test_every_way_of_writing_a_number_is_read_as_one(typed):
    assert phone_query(typed) == "0912345678"
    assert phone_digits(typed) == "0912345678"  # what is stored beside a carer's and a reporter's phone


@pytest.mark.parametrize(
    "typed", ["nguyen van an", "091234", "038215000123", "0912 345 678 999", "0912a345678", "", "+", "12345678"]
)
def test_names_id_numbers_and_short_or_long_digits_are_not_phone_numbers(typed):
    assert phone_query(typed) == ""


def test_a_landline_with_its_area_code_is_a_phone_number():
    assert phone_query("024 3825 1234") == phone_query("+84 24 3825 1234") == "02438251234"


# --- the children lists --------------------------------------------------------------------------------------------


@pytest.fixture
def family(officer_a, officer_b, make_child, commune_b):
    mother = {"full_name": "Nguyễn Thị Lan", "relation": "Mẹ", "phone": "+84 912.345.678"}
    return {
        "an": make_child(officer_a, full_name="Nguyễn Văn An", carers=[mother]),
        "binh": make_child(officer_a, full_name="Nguyễn Văn Bình", carers=[{**mother, "phone": "0912345678"}]),
        "khoi": make_child(
            officer_a, full_name="Lê Minh Khôi", carers=[{"full_name": "Lê Văn Bố", "phone": "0988111222"}]
        ),
        "dung": make_child(officer_b, full_name="Nguyễn Thị Dung", residence_unit=commune_b, carers=[mother]),
    }


def listed(user, q: str) -> set[str]:
    page = client_for(user).get(reverse("cases:child_list"), {"q": q})
    assert page.status_code == 200
    return {c.full_name for c in page.context["page"]}


@pytest.mark.parametrize("typed", ["0912 345 678", "+84 912.345.678", "(091) 234-5678"])
def test_the_children_list_finds_a_carers_children_by_phone_within_reach(
    family, officer_a, officer_b, supervisor, typed
):
    assert listed(officer_a, typed) == {"Nguyễn Văn An", "Nguyễn Văn Bình"}
    assert listed(officer_b, typed) == {"Nguyễn Thị Dung"}
    assert listed(supervisor, typed) == {"Nguyễn Văn An", "Nguyễn Văn Bình", "Nguyễn Thị Dung"}
    assert listed(officer_a, "0988 111 222") == {"Lê Minh Khôi"}
    assert listed(officer_a, "0977 000 000") == set()


def test_the_api_children_list_finds_them_too(family, officer_a):
    body = person_http(officer_a).get(reverse("api:child_list"), {"q": "+84 912 345 678"}).json()

    assert body["count"] == 2
    assert {r["full_name"] for r in body["results"]} == {"Nguyễn Văn An", "Nguyễn Văn Bình"}


def test_the_search_help_says_a_phone_number_is_searched(officer_a):
    page = client_for(officer_a).get(reverse("cases:child_list")).content.decode()
    assert "số điện thoại người chăm sóc" in page


# --- the reports list: the reporter's phone, only for those who may see reporters ----------------------------------


@pytest.fixture
def reports(officer_a, police, make_report):
    """Two reports of commune A: one from a neighbour at 0987 654 321 (report_data's), one from another number; and one
    logged by the police partner with the neighbour's number."""
    return {
        "neighbour": make_report(officer_a),
        "other": make_report(officer_a, reporter_phone="0911 000 111"),
        "police": make_report(police, reporter_phone="+84 987 654 321"),
    }


def found(user, q: str) -> set[int]:
    page = client_for(user).get(reverse("cases:report_list"), {"q": q})
    assert page.status_code == 200
    return {r.pk for r in page.context["page"]}


@pytest.mark.parametrize("typed", ["0987 654 321", "+84 987.654.321", "84987654321"])
def test_those_who_may_see_reporters_find_reports_by_the_reporters_phone(
    reports, officer_a, chair_a, supervisor, officer_b, typed
):
    mine = {reports["neighbour"].pk, reports["police"].pk}
    assert found(officer_a, typed) == mine
    assert found(chair_a, typed) == mine
    assert found(supervisor, typed) == mine
    assert found(officer_b, typed) == set()  # out of reach


def test_others_get_no_report_from_a_reporters_phone(reports, administrator, police):
    assert found(administrator, "0987 654 321") == set()
    assert found(police, "0987 654 321") == set()  # not even the one they logged
    # The reference is searched for everyone who sees the report.
    assert found(administrator, reports["other"].reference) == {reports["other"].pk}
    assert found(police, reports["police"].reference[-6:]) == {reports["police"].pk}


def test_the_reports_list_help_names_the_reporters_phone_only_to_those_who_may_see_it(officer_a, administrator):
    assert "điện thoại người báo tin" in client_for(officer_a).get(reverse("cases:report_list")).content.decode()
    assert (
        "điện thoại người báo tin" not in client_for(administrator).get(reverse("cases:report_list")).content.decode()
    )


def test_an_anonymous_reporters_report_has_no_phone_to_find(officer_a, make_report):
    report = make_report(officer_a, reporter_anonymous=True, reporter_name="", reporter_phone="0987 654 321")

    assert Report.objects.get(pk=report.pk).reporter_phone_digits == ""
    assert found(officer_a, "0987654321") == set()


def test_the_stored_digits_follow_the_phone_on_every_save(reports):
    report = reports["other"]
    assert report.reporter_phone_digits == "0911000111"
    report.reporter_phone = "+84 912 000 999"
    report.save(update_fields=["reporter_phone"])

    assert Report.objects.get(pk=report.pk).reporter_phone_digits == "0912000999"


def test_the_migration_fills_the_reporters_digits_and_renormalises_the_carers(reports, family):
    Report.objects.update(reporter_phone_digits="")
    Carer.objects.filter(child=family["khoi"]).update(phone="988 111 222", phone_digits="988111222")  # the old rule's
    migration = importlib.import_module("cases.migrations.0021_reporter_phone_digits")

    migration.forwards(apps, None)

    assert Report.objects.get(pk=reports["neighbour"].pk).reporter_phone_digits == "0987654321"
    assert Carer.objects.get(child=family["khoi"]).phone_digits == "0988111222"
