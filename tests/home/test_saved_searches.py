"""Saved searches: saved from a list, per user, shown on the home page with their counts through the list's own
selector (reach applies); filters that no longer mean anything are shown, never a 500; renamed and deleted on their
page; another user's is a 404; at most SAVED_SEARCH_CAP per user."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childprotect.audit.models import AuditEntry
from childprotect.core.models import SAVED_SEARCH_CAP, SavedSearch
from childprotect.core.saved_searches import saved_search_save
from tests.support.pages import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def card(text: str) -> str:
    start = text.index('id="saved-searches"')
    return text[start : text.index("</section>", start)]


def test_a_search_saved_from_the_cases_list_shows_on_the_home_page_with_its_count(client, new_case, supervisor):
    new_case(), new_case(child_name="Trần Văn Bình")
    client.force_login(supervisor)
    response = client.post(
        "/saved-searches/save/", {"list": "cases", "name": "Mới tiếp nhận", "list_query": "state=received&page=2&x=1"}
    )
    search = SavedSearch.objects.get(user=supervisor)
    assert search.query == {"state": "received"}  # the list's own filters only
    assert response["Location"] == "/cases/?state=received"
    assert AuditEntry.objects.filter(action="search.save").count() == 1
    home = card(html(client.get("/")))
    assert "Mới tiếp nhận" in home and '<span class="badge text-bg-secondary saved-count">2</span>' in home


def test_counts_go_through_reach(client, new_case, officer_b):
    new_case()
    saved_search_save(actor=officer_b, name="Tất cả hồ sơ", list_name="cases", query={})
    client.force_login(officer_b)
    assert '<span class="badge text-bg-secondary saved-count">0</span>' in card(html(client.get("/")))


def test_a_search_whose_filters_no_longer_exist_is_shown_without_a_count(client, supervisor):
    SavedSearch.objects.create(user=supervisor, name="Cũ", list_name="cases", query={"state": "gone", "unit": "99999"})
    SavedSearch.objects.create(user=supervisor, name="Trẻ em cũ", list_name="children", query={"unit": "không có"})
    SavedSearch.objects.create(user=supervisor, name="Lạ", list_name="reports", query={"color": "red"})
    client.force_login(supervisor)
    response = client.get("/")
    assert response.status_code == 200
    home = card(html(response))
    assert home.count("Bộ lọc không còn hợp lệ:") == 3 and "saved-count" not in home
    assert "Bước hiện tại “gone” không còn tồn tại." in home and "Bộ lọc “color” không còn tồn tại." in home
    assert client.get("/saved-searches/").status_code == 200
    opened = html(client.get("/cases/?state=gone"))
    assert "Bước hiện tại “gone” không còn tồn tại." in opened


def test_rename_delete_unique_names_and_the_cap(client, supervisor, officer_a):
    mine = saved_search_save(actor=supervisor, name="A", list_name="cases", query={})
    theirs = saved_search_save(actor=officer_a, name="A", list_name="cases", query={})  # names are per user
    client.force_login(supervisor)
    client.post("/saved-searches/edit/", {"search": mine.pk, "name": "Hồ sơ quá hạn"})
    mine.refresh_from_db()
    assert mine.name == "Hồ sơ quá hạn"
    assert client.post("/saved-searches/edit/", {"search": theirs.pk, "delete": "1"}).status_code == 404
    assert client.post("/saved-searches/edit/", {"search": theirs.pk, "name": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "A"

    duplicate = client.post(
        "/saved-searches/save/", {"list": "cases", "name": "Hồ sơ quá hạn", "list_query": ""}, follow=True
    )
    assert "Bạn đã có một bộ lọc mang tên này." in html(duplicate)
    for n in range(SAVED_SEARCH_CAP - 1):
        saved_search_save(actor=supervisor, name=f"Bộ lọc {n}", list_name="reports", query={})
    over = client.post("/saved-searches/save/", {"list": "cases", "name": "Thêm", "list_query": ""}, follow=True)
    assert f"tối đa {SAVED_SEARCH_CAP} bộ lọc" in html(over)
    assert SavedSearch.objects.filter(user=supervisor).count() == SAVED_SEARCH_CAP

    client.post("/saved-searches/edit/", {"search": mine.pk, "delete": "1"})
    assert not SavedSearch.objects.filter(pk=mine.pk).exists()
    assert AuditEntry.objects.filter(action="search.delete").count() == 1


def test_partners_cannot_save_a_cases_search(client, police):
    client.force_login(police)
    assert client.post("/saved-searches/save/", {"list": "cases", "name": "x"}).status_code == 404
    assert not SavedSearch.objects.exists()


def test_the_home_page_counts_every_saved_search_in_one_query(client, new_case, supervisor, make_report, make_child):
    """The saved searches in one query, their counts in one more, whatever their number up to the cap (lists whose
    filters name no commune nor officer: those are looked up as the list does); each count is the list's own."""
    new_case(), new_case(child_name="Trần Văn Bình")
    client.force_login(supervisor)
    client.get("/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/").status_code == 200
        return len(seen)

    base = queries()
    saved_search_save(actor=supervisor, name="Hồ sơ mới", list_name="cases", query={"state": "received"})
    one = queries()
    lists = [
        ("cases", {"overdue": "1"}),
        ("children", {"q": "bình"}),
        ("reports", {"status": "received"}),
        ("referrals", {"overdue": "on"}),
        ("cases", {"flag": "attention"}),
    ]
    for n in range(SAVED_SEARCH_CAP - 1):
        list_name, query = lists[n % len(lists)]
        saved_search_save(actor=supervisor, name=f"Bộ lọc {n}", list_name=list_name, query=query)
    full = queries()
    assert one == base + 1  # the counts' query
    assert full == one
    home = card(html(client.get("/")))
    assert home.count("saved-count") == SAVED_SEARCH_CAP
    assert "Hồ sơ mới</a>" in home
