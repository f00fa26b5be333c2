from __future__ import annotations

import pytest

from childprotect.places.selectors import unit_get_by_key, units_search
from childprotect.text import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("  NGUYỄN   văn  AN ", "nguyen van an"),
        ("Hòa", "hoa"),
        ("Hoà", "hoa"),  # the older tone-mark style folds to the same letters
        ("Thủy", "thuy"),
        ("Thuỷ", "thuy"),
        ("Đặc khu Côn Đảo", "dac khu con dao"),
        ("Cư M’gar", "cu m'gar"),
        ("", ""),
    ],
)
def test_fold_strips_accents_case_and_extra_spaces(text: str, folded: str):
    assert fold(text) == folded


def names(qs) -> list[str]:
    return [u.name for u in qs]


@pytest.mark.django_db
def test_search_without_accents_finds_the_name_with_accents():
    assert "Tỉnh Thanh Hóa" in names(units_search("thanh hoa"))
    assert "Phường Hạc Thành" in names(units_search("hac thanh"))


@pytest.mark.django_db
def test_both_tone_mark_styles_find_the_same_units():
    # The official names use "Hòa"; a user typing the older style "Hoà" finds them all the same.
    new_style, old_style = names(units_search("Yên Hòa")), names(units_search("Yên Hoà"))
    assert "Phường Yên Hòa" in new_style
    assert new_style == old_style


@pytest.mark.django_db
def test_names_that_begin_with_the_query_come_first():
    results = [fold(name) for name in names(units_search("hoa", level="commune")[:5])]
    prefixes = ("phuong hoa", "xa hoa", "dac khu hoa")
    assert all(name.startswith(prefixes) for name in results), results
    last = [fold(name) for name in names(units_search("hoa", level="commune"))][-1]
    assert not last.startswith(prefixes), last  # "Xã Thái Hòa" and the like come after


@pytest.mark.django_db
def test_search_by_code_and_by_level():
    assert names(units_search("14797")) == ["Phường Hạc Thành"]
    provinces = units_search("", level="province")
    assert provinces.count() == 34


@pytest.mark.django_db
def test_search_defaults_to_the_current_list():
    assert {u.list_version for u in units_search("ba dinh")} == {2026}


@pytest.mark.django_db
def test_unit_key_lookup_gives_clear_vietnamese_errors():
    assert unit_get_by_key("2026:14797").name == "Phường Hạc Thành"
    with pytest.raises(ValueError, match="DANHMỤC:MÃ"):
        unit_get_by_key("14797")
    with pytest.raises(ValueError, match="Không có đơn vị mã 99999 trong danh mục 2026"):
        unit_get_by_key("2026:99999")
