"""A unit says what it is: "Chủ tịch UBND phường" for a ward, "xã" for a commune, "đặc khu" for a special zone."""

from __future__ import annotations

import pytest

from childprotect.places.models import AdminUnit, UnitLevel
from tests.factories import unit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("key", "committee", "chair"),
    [
        ("2026:14797", "UBND phường", "Chủ tịch UBND phường"),  # Phường Hạc Thành
        ("2026:14845", "UBND xã", "Chủ tịch UBND xã"),  # Xã Mường Lát
        ("2026:06994", "UBND đặc khu", "Chủ tịch UBND đặc khu"),  # Đặc khu Vân Đồn
        ("2026:38", "UBND tỉnh", "Chủ tịch UBND tỉnh"),  # Tỉnh Thanh Hóa
        ("2026:01", "UBND thành phố", "Chủ tịch UBND thành phố"),  # Thành phố Hà Nội
    ],
)
def test_the_committee_and_its_chair_are_named_by_the_unit_type(key, committee, chair):
    place = unit(key)
    assert place.committee_name == committee
    assert place.chair_title == chair


@pytest.mark.parametrize(
    ("unit_type", "level", "chair"),
    [
        ("Thị trấn", UnitLevel.COMMUNE, "Chủ tịch UBND thị trấn"),
        ("Quận", UnitLevel.DISTRICT, "Chủ tịch UBND quận"),
        ("Thị xã", UnitLevel.DISTRICT, "Chủ tịch UBND thị xã"),
        ("", UnitLevel.COMMUNE, "Chủ tịch UBND xã"),  # a unit of an unknown type falls back on its level
        ("", UnitLevel.DISTRICT, "Chủ tịch UBND huyện"),
    ],
)
def test_the_2024_types_and_unknown_types_have_a_title_too(unit_type, level, chair):
    assert AdminUnit(name="X", unit_type=unit_type, level=level, list_version=2024).chair_title == chair
