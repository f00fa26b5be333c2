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

from .models import AdminUnit, UnitLevel, UnitList

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


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != COLUMNS:
                raise ValidationError(f"Tệp {path.name}: các cột phải là {', '.join(COLUMNS)}.")
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
