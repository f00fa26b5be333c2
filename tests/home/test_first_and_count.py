"""The home pages' short lists (home.selectors.first_and_count): the first rows and the list's total, in one query."""

from __future__ import annotations

import pytest

from childprotect.places.models import AdminUnit, UnitLevel
from home.selectors import first_and_count

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [1, 10, 500])
def test_the_first_rows_in_order_and_the_total_of_all_in_one_query(province, n, django_assert_num_queries):
    communes = AdminUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code")
    assert communes.count() > 10
    with django_assert_num_queries(1):
        rows, total = first_and_count(communes, n)
    assert [u.pk for u in rows] == list(communes.values_list("pk", flat=True)[:n])
    assert total == communes.count()


def test_an_empty_list_counts_0(province, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert first_and_count(AdminUnit.objects.filter(parent=province, code="nothing"), 10) == ([], 0)


def test_a_distinct_query_is_refused_rather_than_miscounted(province):
    with pytest.raises(ValueError, match="DISTINCT"):
        first_and_count(AdminUnit.objects.filter(parent=province).distinct(), 10)
