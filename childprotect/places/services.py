"""Loading the official lists of administrative units."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from childprotect.audit.actions import AdminAction
from childprotect.audit.services import audit_record

from .models import AdminUnit, SuccessionKind, UnitLevel, UnitList, UnitSuccession

if TYPE_CHECKING:  # accounts imports places
    from childprotect.accounts.models import User

DATA_DIR = Path(__file__).resolve().parent / "data"
COLUMNS = ["code", "name", "level", "parent_code", "type"]
CODE_LENGTH = {UnitLevel.PROVINCE: 2, UnitLevel.DISTRICT: 3, UnitLevel.COMMUNE: 5}
PARENT_LEVELS = {
    UnitLevel.PROVINCE: set(),
    UnitLevel.DISTRICT: {UnitLevel.PROVINCE},
    UnitLevel.COMMUNE: {UnitLevel.PROVINCE, UnitLevel.DISTRICT},
}


@dataclass(frozen=True)
class LoadResult:
    list_version: int
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def shipped_file(list_version: int) -> Path:
    return DATA_DIR / f"vn_units_{list_version}.csv"


def _read_rows(path: Path, columns: list[str] = COLUMNS) -> list[dict[str, str]]:
    """The rows of a shipped CSV (a list of units, the crosswalk) with exactly `columns`; refused in Vietnamese."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != columns:
                raise ValidationError(f"Tệp {path.name}: các cột phải là {', '.join(columns)}.")
            return list(reader)
    except UnicodeDecodeError as exc:
        raise ValidationError(f"Tệp {path.name} không phải UTF-8.") from exc


def units_load_list(list_version: int, *, actor: User | None, path: Path | None = None) -> LoadResult:
    """Create or update every unit of one list from its CSV, all or nothing; running it again changes nothing.

    Rows come parents first (the files are sorted by level); a row whose parent is missing or at the wrong level,
    or whose code is malformed, stops the whole load with a message naming the line.
    """
    if list_version not in UnitList.values:
        raise ValidationError(f"Danh mục {list_version} không tồn tại; chọn một trong {UnitList.values}.")
    path = path or shipped_file(list_version)
    rows = _read_rows(path)

    with transaction.atomic():
        existing = {u.code: u for u in AdminUnit.objects.filter(list_version=list_version)}
        by_code: dict[str, AdminUnit] = dict(existing)
        created = updated = unchanged = 0
        seen: set[str] = set()
        for line, row in enumerate(rows, start=2):
            code, level = row["code"].strip(), row["level"].strip()
            name = unicodedata.normalize("NFC", row["name"].strip())
            if level not in UnitLevel.values:
                raise ValidationError(f"Dòng {line}: cấp '{level}' không hợp lệ.")
            if not code.isdigit() or len(code) != CODE_LENGTH[UnitLevel(level)]:
                raise ValidationError(f"Dòng {line}: mã '{code}' không đúng độ dài của cấp {level}.")
            if code in seen:
                raise ValidationError(f"Dòng {line}: mã '{code}' bị lặp.")
            seen.add(code)
            parent = None
            if row["parent_code"]:
                parent = by_code.get(row["parent_code"].strip())
                if parent is None or parent.level not in PARENT_LEVELS[UnitLevel(level)]:
                    raise ValidationError(f"Dòng {line}: đơn vị cấp trên '{row['parent_code']}' không hợp lệ.")
            elif level != UnitLevel.PROVINCE:
                raise ValidationError(f"Dòng {line}: thiếu đơn vị cấp trên.")
            # AdminUnit.save() derives the folded name and the path from these.
            fields = {"name": name, "unit_type": row["type"].strip(), "level": level, "parent": parent}
            unit = existing.get(code)
            if unit is None:
                unit = AdminUnit(list_version=list_version, code=code, **fields)
                # One row at a time: the next rows need this one's id as their parent. 3,355 rows load in seconds.
                unit.save()
                created += 1
            elif any(getattr(unit, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(unit, k, v)
                unit.save()
                updated += 1
            else:
                unchanged += 1
            by_code[code] = unit
        result = LoadResult(list_version, created, updated, unchanged)
        if created or updated:
            audit_record(
                actor=actor,
                action=AdminAction.LOAD_UNITS,
                object_repr=f"Danh mục {list_version}",
                changes={"file": path.name, "created": created, "updated": updated},
            )
    return result


CROSSWALK_FILE = DATA_DIR / "crosswalk_2024_2025.csv"
CROSSWALK_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "kind", "source"]
# The 2026 list kept every code of the 2025 list (Đồng Nai's changes renamed and retyped, never recoded).
SAME_CODE_SOURCE = "danh mục 2026 giữ mã của danh mục 2025"


@dataclass(frozen=True)
class CrosswalkResult:
    created: int
    updated: int
    unchanged: int
    skipped: tuple[str, ...]  # what could not be linked because a list is not loaded

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def units_load_crosswalk(*, actor: User | None, path: Path | None = None) -> CrosswalkResult:
    """Fill the crosswalk (UnitSuccession, docs/law.md#the-2025-reform) toward the current 2026 list, all or nothing;
    running it again changes nothing.

    * each 2024 unit of the file to the 2026 commune with the file's 2025 code (2026 kept the 2025 codes), whole or
      part as the file says (childprotect/places/data/README.md tells where the file comes from);
    * each 2025 commune to the 2026 commune with its code, whole.

    A list that is not loaded is skipped and named in the result. A line naming a code its list does not have, or
    an unknown kind, stops the load with a message naming the line. Lines not in the file are left as they are.
    """
    path = path or CROSSWALK_FILE
    rows = _read_rows(path, CROSSWALK_COLUMNS)
    units: dict[int, dict[str, AdminUnit]] = {
        version: {u.code: u for u in AdminUnit.objects.filter(list_version=version).only("id", "code", "level")}
        for version in (2024, 2025, 2026)
    }
    skipped: list[str] = []
    wanted: dict[tuple[int, int], tuple[str, str]] = {}  # (old id, new id) → (kind, source)
    if not units[2026]:
        raise ValidationError("Chưa nạp danh mục 2026: chạy `manage.py loadunits 2026` trước.")
    if units[2024]:
        for line, row in enumerate(rows, start=2):
            old, new = units[2024].get(row["old_code"].strip()), units[2026].get(row["new_code"].strip())
            if old is None:
                raise ValidationError(f"Dòng {line}: mã cũ '{row['old_code']}' không có trong danh mục 2024.")
            if new is None or new.level != UnitLevel.COMMUNE:
                raise ValidationError(f"Dòng {line}: mã mới '{row['new_code']}' không phải xã của danh mục 2026.")
            kind = row["kind"].strip()
            if kind not in SuccessionKind.values:
                raise ValidationError(f"Dòng {line}: loại '{kind}' không hợp lệ (whole hoặc part).")
            wanted[(old.pk, new.pk)] = (kind, row["source"].strip()[:255])
    else:
        skipped.append("2024")
    if units[2025]:
        for code, old in units[2025].items():
            new = units[2026].get(code)
            if old.level == UnitLevel.COMMUNE and new is not None:
                wanted[(old.pk, new.pk)] = (SuccessionKind.WHOLE, SAME_CODE_SOURCE)
    else:
        skipped.append("2025")

    with transaction.atomic():
        # The whole table, without a join: SQLite plans the join on both units' lists badly (seconds, not ms).
        existing = {
            (old_id, new_id): (pk, kind, source)
            for pk, old_id, new_id, kind, source in UnitSuccession.objects.values_list(
                "pk", "old_id", "new_id", "kind", "source"
            )
        }
        to_create: list[UnitSuccession] = []
        to_update: list[UnitSuccession] = []
        for (old_id, new_id), (kind, source) in wanted.items():
            current = existing.get((old_id, new_id))
            if current is None:
                to_create.append(UnitSuccession(old_id=old_id, new_id=new_id, kind=kind, source=source))
            elif current[1:] != (kind, source):
                to_update.append(UnitSuccession(pk=current[0], old_id=old_id, new_id=new_id, kind=kind, source=source))
        UnitSuccession.objects.bulk_create(to_create, batch_size=2000)
        UnitSuccession.objects.bulk_update(to_update, ["kind", "source"], batch_size=2000)
        result = CrosswalkResult(
            len(to_create), len(to_update), len(wanted) - len(to_create) - len(to_update), tuple(skipped)
        )
        if to_create or to_update:
            audit_record(
                actor=actor,
                action=AdminAction.LOAD_CROSSWALK,
                object_repr="Đơn vị kế thừa (2024, 2025 → 2026)",
                changes={"file": path.name, "created": result.created, "updated": result.updated},
            )
    return result
