from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from childprotect.audit.models import AuditEntry
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.places.services import units_load_list


def level_counts(list_version: int) -> Counter[str]:
    return Counter(AdminUnit.objects.filter(list_version=list_version).values_list("level", flat=True))


@pytest.mark.django_db
def test_all_3355_units_of_the_2026_list_are_loaded_with_their_levels():
    assert level_counts(2026) == {UnitLevel.PROVINCE: 34, UnitLevel.COMMUNE: 3321}
    types = Counter(AdminUnit.objects.filter(list_version=2026, level="commune").values_list("unit_type", flat=True))
    assert types == {"Xã": 2611, "Phường": 697, "Đặc khu": 13}


@pytest.mark.django_db
def test_every_2026_commune_hangs_under_a_province_of_the_same_list():
    communes = AdminUnit.objects.filter(list_version=2026, level="commune")
    assert not communes.exclude(parent__level="province").exists()
    assert not communes.exclude(parent__list_version=2026).exists()
    hac_thanh = AdminUnit.objects.select_related("parent").get(list_version=2026, code="14797")
    assert hac_thanh.parent is not None
    assert (hac_thanh.name, hac_thanh.parent.code, hac_thanh.parent.name) == (
        "Phường Hạc Thành",
        "38",
        "Tỉnh Thanh Hóa",
    )
    assert hac_thanh.path == "2026/38/14797"
    da_nang = AdminUnit.objects.get(list_version=2026, code="20333").parent
    assert da_nang is not None and da_nang.name == "Thành phố Đà Nẵng"


@pytest.mark.django_db
def test_2026_list_has_the_dong_nai_changes_the_2025_list_has_not():
    units_load_list(2025, actor=None)
    assert AdminUnit.objects.get(list_version=2026, code="75").name == "Thành phố Đồng Nai"
    assert AdminUnit.objects.get(list_version=2025, code="75").name == "Tỉnh Đồng Nai"
    assert AdminUnit.objects.get(list_version=2026, code="26248").unit_type == "Phường"
    assert AdminUnit.objects.get(list_version=2025, code="26248").unit_type == "Xã"


@pytest.mark.django_db
def test_2024_three_tier_list_loads_beside_2026_and_reused_codes_keep_their_own_meaning():
    result = units_load_list(2024, actor=None)
    assert (result.created, result.total) == (10794, 10794)
    assert level_counts(2024) == {"province": 63, "district": 696, "commune": 10035}
    assert level_counts(2026) == {"province": 34, "commune": 3321}  # untouched
    old = AdminUnit.objects.select_related("parent__parent").get(list_version=2024, code="00004")
    new = AdminUnit.objects.select_related("parent").get(list_version=2026, code="00004")
    assert old.parent is not None and old.parent.parent is not None and new.parent is not None
    assert (old.name, old.parent.code, old.parent.level, old.parent.parent.code) == (
        "Phường Trúc Bạch",
        "001",
        "district",
        "01",
    )
    assert (new.name, new.parent.code) == ("Phường Ba Đình", "01")
    assert old.path == "2024/01/001/00004"
    # The five island districts of 2024 have no communes.
    assert not AdminUnit.objects.filter(
        list_version=2024, parent__code__in=["318", "471", "498", "536", "755"]
    ).exists()


@pytest.mark.django_db
def test_loading_a_list_again_changes_nothing_and_writes_no_audit_entry():
    before = AuditEntry.objects.count()
    result = units_load_list(2026, actor=None)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3355)
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_renamed_unit_in_a_newer_file_is_updated_and_audited(tmp_path: Path):
    path = tmp_path / "units.csv"
    path.write_text("code,name,level,parent_code,type\n38,Tỉnh Thanh Hoá,province,,Tỉnh\n", encoding="utf-8")
    result = units_load_list(2026, actor=None, path=path)
    assert (result.created, result.updated) == (0, 1)
    assert AdminUnit.objects.get(list_version=2026, code="38").name_folded == "tinh thanh hoa"
    entry = AuditEntry.objects.filter(action="places.load_list").latest("id")
    assert entry.changes["updated"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,name\n38,Tỉnh\n", "các cột phải là"),
        (
            "code,name,level,parent_code,type\n99,Tỉnh Mới,province,,Tỉnh\n99001,Xã Lạc,commune,77,Xã\n",
            "Dòng 3: đơn vị cấp trên '77' không hợp lệ",
        ),
        ("code,name,level,parent_code,type\n9,Tỉnh Ngắn,province,,Tỉnh\n", "Dòng 2: mã '9'"),
        ("code,name,level,parent_code,type\n99,Tỉnh A,province,,Tỉnh\n99,Tỉnh B,province,,Tỉnh\n", "bị lặp"),
        ("code,name,level,parent_code,type\n99001,Xã Mồ Côi,commune,,Xã\n", "thiếu đơn vị cấp trên"),
    ],
)
@pytest.mark.django_db
def test_a_bad_file_is_refused_with_the_line_and_loads_nothing(tmp_path: Path, content: str, message: str):
    path = tmp_path / "units.csv"
    path.write_text(content, encoding="utf-8")
    count = AdminUnit.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        units_load_list(2026, actor=None, path=path)
    assert message in " ".join(excinfo.value.messages)
    assert AdminUnit.objects.count() == count
    assert not AdminUnit.objects.filter(code__startswith="99").exists()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path):
    path = tmp_path / "units.csv"
    # Excel's "Unicode text" export is UTF-16.
    path.write_bytes("code,name,level,parent_code,type\n99,Tỉnh Mới,province,,Tỉnh\n".encode("utf-16"))
    with pytest.raises(ValidationError, match="không phải UTF-8"):
        units_load_list(2026, actor=None, path=path)


@pytest.mark.django_db
def test_loadunits_command_reports_counts_and_refuses_an_unknown_list(capsys):
    call_command("loadunits", "2026")
    assert "Danh mục 2026: 3355 đơn vị (0 mới, 0 cập nhật, 3355 không đổi)." in capsys.readouterr().out
    with pytest.raises(CommandError, match="Danh mục 2023 không tồn tại"):
        call_command("loadunits", "2023")
