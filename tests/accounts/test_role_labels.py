"""A person's role is said as it is where they work: the chair of a ward is "Chủ tịch / Phó
Chủ tịch UBND phường", a supervisor of a two-tier province "cấp tỉnh", of a 2024 district "cấp huyện"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childprotect.accounts.models import Role
from childprotect.places.models import AdminUnit, UnitLevel
from tests.factories import UserFactory, unit

pytestmark = pytest.mark.django_db


def test_the_chair_of_a_ward_is_the_chair_of_the_ward_committee(chair_a):
    assert chair_a.role_label == "Chủ tịch / Phó Chủ tịch UBND phường"


def test_the_chair_of_a_commune_is_the_chair_of_the_commune_committee(db):
    chair = UserFactory(username="chair_ml", role=Role.COMMUNE_CHAIR, unit=unit("2026:14845"))  # Xã Mường Lát
    assert chair.role_label == "Chủ tịch / Phó Chủ tịch UBND xã"


def test_a_supervisor_of_a_two_tier_province_is_cap_tinh(supervisor):
    assert supervisor.role_label == "Cán bộ giám sát cấp tỉnh"


def test_a_supervisor_of_a_2024_district_is_cap_huyen_and_of_a_2024_province_cap_tinh():
    province = AdminUnit(list_version=2024, code="38", name="Tỉnh Thanh Hóa", unit_type="Tỉnh", level="province")
    district = AdminUnit(
        list_version=2024, code="380", name="Thành phố Thanh Hóa", unit_type="Thành phố", level=UnitLevel.DISTRICT
    )
    from childprotect.accounts.models import User

    assert User(role=Role.SUPERVISOR, unit=district).role_label == "Cán bộ giám sát cấp huyện"
    assert User(role=Role.SUPERVISOR, unit=province).role_label == "Cán bộ giám sát cấp tỉnh"


def test_other_roles_keep_their_label(officer_a, police, administrator):
    assert officer_a.role_label == "Cán bộ phụ trách bảo vệ trẻ em cấp xã"
    assert police.role_label == "Cán bộ cơ quan phối hợp"
    assert administrator.role_label == "Quản trị hệ thống"


def test_the_chair_home_page_of_a_ward_says_phuong_not_xa(client, chair_a):
    client.force_login(chair_a)
    page = client.get(reverse("home")).content.decode()
    assert "Chủ tịch / Phó Chủ tịch UBND phường" in page
    assert "UBND xã" not in page


def test_the_officer_home_page_of_a_ward_names_the_ward_chair(client, officer_a):
    client.force_login(officer_a)
    page = client.get(reverse("home")).content.decode()
    assert "Chủ tịch UBND phường phê duyệt kế hoạch" in page
    assert "UBND xã" not in page


def test_the_supervisor_home_and_profile_of_a_two_tier_province_say_cap_tinh(client, supervisor):
    client.force_login(supervisor)
    for url in (reverse("home"), reverse("profile")):
        page = client.get(url).content.decode()
        assert "Cán bộ giám sát cấp tỉnh" in page, url
        assert "cấp huyện / tỉnh" not in page, url
