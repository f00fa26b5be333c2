from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_unit_list_searches_without_accents(client, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("places:list"), {"q": "hac thanh"})
    assert response.status_code == 200
    assert "Phường Hạc Thành" in response.content.decode()


@pytest.mark.django_db
def test_unit_list_query_count_does_not_grow_with_the_page(client, officer_a, django_assert_max_num_queries):
    client.force_login(officer_a)
    # session, user, count, page of 50 with parents joined
    with django_assert_max_num_queries(5):
        response = client.get(reverse("places:list"), {"level": "commune"})
    assert len(response.context["page"]) == 50


@pytest.mark.django_db
def test_unit_list_ignores_bad_filters(client, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("places:list"), {"level": "planet", "list": "1999", "page": "abc"})
    assert response.status_code == 200
    assert response.context["page"].number == 1


@pytest.mark.django_db
def test_unit_detail_shows_the_breadcrumb_and_children(client, supervisor, province, commune_a):
    client.force_login(supervisor)
    response = client.get(reverse("places:detail", args=[commune_a.pk]))
    assert response.status_code == 200
    assert "Tỉnh Thanh Hóa" in response.content.decode()
    response = client.get(reverse("places:detail", args=[province.pk]))
    assert response.context["subtree_size"] == 166


@pytest.mark.django_db
def test_missing_unit_is_404(client, officer_a):
    client.force_login(officer_a)
    assert client.get(reverse("places:detail", args=[10**9])).status_code == 404


@pytest.mark.django_db
def test_search_json_for_unit_pickers(client, police):
    client.force_login(police)
    data = client.get(reverse("places:search_json"), {"q": "Hàm Rồng", "level": "commune"}).json()
    assert data["results"][0] == {
        "id": data["results"][0]["id"],
        "key": "2026:14758",
        "name": "Phường Hàm Rồng",
        "parent": "Tỉnh Thanh Hóa",
    }
