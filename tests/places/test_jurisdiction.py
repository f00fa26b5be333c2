from __future__ import annotations

import pytest

from childprotect.accounts.selectors import jurisdiction_units, user_reaches_unit
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_subtree
from childprotect.places.services import units_load_list
from tests.factories import unit


@pytest.mark.django_db
def test_province_subtree_holds_its_communes_and_nothing_else(province, commune_a):
    subtree = unit_subtree(province)
    assert subtree.count() == 1 + AdminUnit.objects.filter(list_version=2026, parent=province).count()
    assert subtree.filter(pk=commune_a.pk).exists()
    assert not subtree.filter(code="00004").exists()  # Hà Nội


@pytest.mark.django_db
def test_three_tier_subtrees_reach_communes_through_districts():
    units_load_list(2024, actor=None)
    hanoi, ba_dinh, phuc_xa = unit("2024:01"), unit("2024:001"), unit("2024:00001")
    assert unit_subtree(hanoi).filter(pk=phuc_xa.pk).exists()
    assert unit_subtree(ba_dinh).filter(pk=phuc_xa.pk).exists()
    assert hanoi.contains(phuc_xa) and ba_dinh.contains(phuc_xa)
    assert not phuc_xa.contains(hanoi)
    # A reused code does not cross lists: 2026's 00004 is not inside 2024's Hà Nội.
    assert not hanoi.contains(unit("2026:00004"))


@pytest.mark.django_db
def test_a_unit_is_inside_itself_but_not_inside_a_sibling(commune_a, commune_b):
    assert commune_a.contains(commune_a)
    assert not commune_b.contains(commune_a)


@pytest.mark.django_db
def test_prefix_of_a_code_is_not_a_parent():
    # "2026/38" must not be taken for a prefix of a province "2026/380..." or of a code starting with 38.
    thanh_hoa = unit("2026:38")
    assert all(u.path.startswith("2026/38/") or u.pk == thanh_hoa.pk for u in unit_subtree(thanh_hoa))


@pytest.mark.django_db
def test_jurisdiction_by_role(cast, commune_a, commune_b, province):
    assert list(jurisdiction_units(cast["officer_a"])) == [commune_a]
    assert list(jurisdiction_units(cast["chair_a"])) == [commune_a]
    assert set(jurisdiction_units(cast["supervisor"])) == set(unit_subtree(province))
    assert not jurisdiction_units(cast["police"]).exists()  # partners see by referral, never by place
    assert jurisdiction_units(cast["admin"]).count() == AdminUnit.objects.count()


@pytest.mark.django_db
def test_reach_of_each_role(cast, commune_a, commune_b):
    hanoi_commune = unit("2026:00004")
    assert user_reaches_unit(cast["officer_a"], commune_a)
    assert not user_reaches_unit(cast["officer_a"], commune_b)
    assert not user_reaches_unit(cast["officer_b"], commune_a)
    assert user_reaches_unit(cast["supervisor"], commune_b)
    assert not user_reaches_unit(cast["supervisor"], hanoi_commune)
    assert not user_reaches_unit(cast["police"], commune_a)
    assert user_reaches_unit(cast["admin"], hanoi_commune)


@pytest.mark.django_db
def test_inactive_users_reach_nothing(officer_a, commune_a):
    officer_a.is_active = False
    assert not jurisdiction_units(officer_a).exists()
    assert not user_reaches_unit(officer_a, commune_a)
