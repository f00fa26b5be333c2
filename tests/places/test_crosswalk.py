"""The 2024→2025 crosswalk (childprotect/places/data/crosswalk_2024_2025.csv) and its loader into UnitSuccession.

The data tests read the CSV files only; the loader tests load a slice of the 2024 list (the session has the 2026 list).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from childprotect.audit.actions import AdminAction
from childprotect.audit.models import AuditEntry
from childprotect.places.models import UnitSuccession
from childprotect.places.services import (
    CROSSWALK_COLUMNS,
    CROSSWALK_FILE,
    DATA_DIR,
    units_load_crosswalk,
    units_load_list,
)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


CROSSWALK = read(CROSSWALK_FILE)
UNITS_2024 = {row["code"]: row for row in read(DATA_DIR / "vn_units_2024.csv")}
UNITS_2025 = {row["code"]: row for row in read(DATA_DIR / "vn_units_2025.csv")}


def province_2024(code: str) -> str:
    row = UNITS_2024[code]
    while row["parent_code"]:
        row = UNITS_2024[row["parent_code"]]
    return row["code"]


def test_every_code_is_in_its_list_under_its_name():
    assert CROSSWALK
    for row in CROSSWALK:
        assert UNITS_2024[row["old_code"]]["name"] == row["old_name"]
        assert UNITS_2025[row["new_code"]]["name"] == row["new_name"]
        assert UNITS_2025[row["new_code"]]["level"] == "commune"
        assert row["kind"] in {"whole", "part"}
        assert row["source"]


def test_every_2024_commune_and_island_district_has_a_successor_and_every_2025_commune_a_predecessor():
    old = {row["old_code"] for row in CROSSWALK}
    communes_2024 = {code for code, row in UNITS_2024.items() if row["level"] == "commune"}
    assert old - communes_2024 == {"318", "471", "498", "536", "755"}  # the island districts without communes
    assert communes_2024 <= old
    new = {row["new_code"] for row in CROSSWALK}
    assert new == {code for code, row in UNITS_2025.items() if row["level"] == "commune"}


def test_an_old_commune_is_whole_under_one_new_one_or_split_between_several_never_both():
    lines: dict[str, list[str]] = defaultdict(list)
    for row in CROSSWALK:
        lines[row["old_code"]].append(row["kind"])
    for code, kinds in lines.items():
        assert kinds == ["whole"] or (len(kinds) >= 2 and set(kinds) == {"part"}), code
    assert lines["00004"] == ["whole"]  # Trúc Bạch → Ba Đình
    assert lines["00073"] == ["part"] * 4  # Cửa Nam, split between four wards


def test_each_2024_province_went_whole_into_one_2025_province():
    target: dict[str, set[str]] = defaultdict(set)
    for row in CROSSWALK:
        target[province_2024(row["old_code"])].add(UNITS_2025[row["new_code"]]["parent_code"])
    assert all(len(new) == 1 for new in target.values()), {p: n for p, n in target.items() if len(n) > 1}
    assert len(target) == 63 and len({next(iter(new)) for new in target.values()}) == 34
    assert target["34"] == {"33"} and target["62"] == {"51"} and target["01"] == {"01"}


def test_a_new_commune_that_kept_an_old_code_has_that_old_commune_among_its_predecessors():
    predecessors: dict[str, set[str]] = defaultdict(set)
    for row in CROSSWALK:
        predecessors[row["new_code"]].add(row["old_code"])
    kept = [code for code, row in UNITS_2025.items() if row["level"] == "commune" and code in UNITS_2024]
    assert len(kept) == 3316
    assert [code for code in kept if code not in predecessors[code]] == []


SLICE_2024 = """code,name,level,parent_code,type
01,Thành phố Hà Nội,province,,Thành phố Trung ương
001,Quận Ba Đình,district,01,Quận
00001,Phường Phúc Xá,commune,001,Phường
00004,Phường Trúc Bạch,commune,001,Phường
00007,Phường Cống Vị,commune,001,Phường
"""
SLICE_2025 = """code,name,level,parent_code,type
01,Thành phố Hà Nội,province,,Thành phố Trung ương
00004,Phường Ba Đình,commune,01,Phường
"""


def slice_of_crosswalk(tmp_path: Path, codes: set[str]) -> Path:
    path = tmp_path / "crosswalk.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CROSSWALK_COLUMNS)
        writer.writeheader()
        writer.writerows(row for row in CROSSWALK if row["old_code"] in codes)
    return path


def links() -> set[tuple[str, str, str]]:
    return {(s.old.key, s.new.key, s.kind) for s in UnitSuccession.objects.select_related("old", "new").order_by("pk")}


@pytest.mark.django_db
def test_loader_links_old_units_to_the_2026_communes_of_the_same_2025_code_and_runs_again_unchanged(tmp_path):
    (tmp_path / "units.csv").write_text(SLICE_2024, encoding="utf-8")
    units_load_list(2024, actor=None, path=tmp_path / "units.csv")
    path = slice_of_crosswalk(tmp_path, {"00001", "00004", "00007"})

    result = units_load_crosswalk(actor=None, path=path)

    assert (result.created, result.updated, result.skipped) == (4, 0, ("2025",))
    assert links() == {
        ("2024:00001", "2026:00097", "whole"),
        ("2024:00004", "2026:00004", "whole"),
        ("2024:00007", "2026:00008", "part"),
        ("2024:00007", "2026:00025", "part"),
    }
    assert UnitSuccession.objects.filter(source="vietnamadminunits 1.0.4 (MIT)").count() == 4
    again = units_load_crosswalk(actor=None, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert AuditEntry.objects.filter(action=AdminAction.LOAD_CROSSWALK.value).count() == 1


@pytest.mark.django_db
def test_loader_links_each_2025_commune_to_the_2026_one_of_its_code(tmp_path):
    (tmp_path / "units.csv").write_text(SLICE_2025, encoding="utf-8")
    units_load_list(2025, actor=None, path=tmp_path / "units.csv")

    result = units_load_crosswalk(actor=None, path=slice_of_crosswalk(tmp_path, set()))

    assert (result.created, result.skipped) == (1, ("2024",))
    assert links() == {("2025:00004", "2026:00004", "whole")}


@pytest.mark.django_db
def test_a_line_naming_an_unknown_code_loads_nothing_and_names_the_line(tmp_path):
    (tmp_path / "units.csv").write_text(SLICE_2024, encoding="utf-8")
    units_load_list(2024, actor=None, path=tmp_path / "units.csv")
    path = slice_of_crosswalk(tmp_path, {"00001", "00008"})  # 00008 is not in the slice of the 2024 list

    with pytest.raises(ValidationError, match="Dòng 3: mã cũ '00008'"):
        units_load_crosswalk(actor=None, path=path)
    assert not UnitSuccession.objects.exists()


@pytest.mark.django_db
def test_loadcrosswalk_command_reports_counts_and_what_it_skipped(tmp_path, capsys):
    call_command("loadcrosswalk", file=slice_of_crosswalk(tmp_path, set()))
    out = capsys.readouterr().out
    assert "0 mới" in out
    assert "Bỏ qua danh mục 2024" in out and "Bỏ qua danh mục 2025" in out
    with pytest.raises(CommandError, match="các cột phải là"):
        call_command("loadcrosswalk", file=DATA_DIR / "vn_units_2025.csv")
