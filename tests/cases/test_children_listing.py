"""The children list page: the same children, in the same order, as the access rule and filters give (children_list),
read in two parts (living in the reach; reached by its reports) merged page by page; a capped count nationally."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import selectors
from cases.selectors import ChildFilters, ChildListing, children_list
from cases.services import report_attach_child
from tests.support.pages import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

A_NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Nguyễn Thị Dung", "Phạm Văn Em", "Đỗ Thị Giang"]
B_NAMES = ["Bùi Văn Hải", "Nguyễn Văn Khánh", "Vũ Thị Lan", "Nguyễn Thị Mai"]


@pytest.fixture
def reach(officer_a, officer_b, commune_b, make_child, make_report):
    """Six children living in commune A; four in commune B, two of them attached to a report of commune A."""
    in_a = [make_child(officer_a, full_name=name) for name in A_NAMES]
    in_b = [make_child(officer_b, full_name=name, residence_unit=commune_b) for name in B_NAMES]
    report = make_report(officer_a)
    for child in in_b[1:3]:
        report_attach_child(actor=officer_a, report=report, child=child)
    return in_a, in_b


def pages(user, filters: ChildFilters, per_page: int) -> list[list[int]]:
    """Every page of the listing, each read by a fresh listing as the view does (asked for that page's rows)."""
    total = ChildListing(user, filters).count()
    result = []
    for start in range(0, total, per_page):
        listing = ChildListing(user, filters, upto=start + per_page)
        assert listing.count() == total
        result.append([c.pk for c in listing[start : start + per_page]])
    return result


@pytest.mark.parametrize("order", ["name", "-created", "birth"])
@pytest.mark.parametrize("q", ["", "nguyen", "van", "thi lan", "an"])
def test_the_pages_hold_the_children_list_in_its_order(officer_a, reach, order, q):
    filters = ChildFilters(q=q, order=order)
    expected = [c.pk for c in children_list(officer_a, filters)]

    got = pages(officer_a, filters, per_page=3)

    assert [pk for page in got for pk in page] == expected
    assert expected  # every query finds someone here


def test_a_child_living_elsewhere_but_in_a_report_of_the_commune_is_listed_and_counted(officer_a, officer_b, reach):
    in_a, in_b = reach

    seen_by_a = [pk for page in pages(officer_a, ChildFilters(), per_page=25) for pk in page]
    seen_by_b = [pk for page in pages(officer_b, ChildFilters(), per_page=25) for pk in page]

    assert set(seen_by_a) == {c.pk for c in in_a} | {in_b[1].pk, in_b[2].pk}
    assert set(seen_by_b) == {c.pk for c in in_b}  # not commune A's children, nor commune A's reports
    page = client_for(officer_a).get(reverse("cases:child_list"))
    assert "8 trẻ em" in page.content.decode()


def test_an_outsider_gets_no_child_on_any_page(officer_b, supervisor, administrator, police, reach):
    in_a, _ = reach
    body = client_for(officer_b).get(reverse("cases:child_list") + "?q=nguyen").content.decode()

    assert "Nguyễn Văn An" not in body and "Nguyễn Thị Dung" not in body
    assert ChildListing(police, ChildFilters()).count() == 0
    assert len(ChildListing(supervisor, ChildFilters())[0:25]) == 10  # both communes of the province


def test_nationally_the_count_stops_at_the_cap_and_says_so(administrator, reach, monkeypatch):
    monkeypatch.setattr(selectors, "NATIONAL_COUNT_CAP", 4)

    listing = ChildListing(administrator, ChildFilters())
    assert (listing.count(), listing.capped) == (4, True)
    body = client_for(administrator).get(reverse("cases:child_list")).content.decode()
    assert "Hơn 4 trẻ em" in body

    search = ChildListing(administrator, ChildFilters(q="nguyen thi"))
    assert (search.count(), search.capped) == (2, False)  # under the cap: the exact number
