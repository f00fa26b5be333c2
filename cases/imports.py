"""Importing a children's registry (the provinces' "phần mềm quản lý thông tin trẻ em" exports), fast and strict.

Every row is checked before anything is written (childprotect/core/imports.py runs it): a child is created, updated
(same personal ID number, mã định danh, already in the registry within the importer's reach), or skipped as a
duplicate (same name, birth date or year, and commune as a registered child). Writes are bulk inserts in the job's
transaction, with one audit entry per child (named by number only, as everywhere in the log).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_import_registry, works_for_commune
from childprotect.accounts.selectors import jurisdiction_units
from childprotect.audit.actions import ChildAction
from childprotect.audit.models import AuditEntry
from childprotect.core.bulk import insert_rows
from childprotect.core.imports import Column, Plan, Progress, Row, check_formulas, parse_date
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.text import fold

from .models import Carer, Child, ChildCircumstance, Sex, SpecialCircumstance, Term, TermKind, phone_digits
from .services.intake import CHILD_AGE_LIMIT

SEXES: dict[str, str] = {
    "nam": Sex.MALE,
    "male": Sex.MALE,
    "nu": Sex.FEMALE,
    "female": Sex.FEMALE,
    "chua ro": Sex.UNKNOWN,
}
SEXES.update({fold(str(label)): value for value, label in Sex.choices})
LENGTHS = {"full_name": 150, "other_names": 150, "address": 255, "school": 150, "school_class": 30}
CIRCUMSTANCES = frozenset(SpecialCircumstance.values)
# A registry repeats a few values in its sex, ethnicity and commune columns: each folded once.
_fold_short = lru_cache(maxsize=4096)(fold)
UPDATED_FIELDS = ["full_name", "other_names", "date_of_birth", "birth_year", "sex", "ethnicity", "address", "school"]


@dataclass
class ChildRow:
    number: int
    full_name: str
    folded: str  # fold(full_name), what duplicates are matched on
    other_names: str
    date_of_birth: dt.date | None
    birth_year: int
    birth_year_estimated: bool
    sex: str
    ethnicity: Term | None
    national_id: str
    unit: AdminUnit
    address: str
    school: str
    school_class: str
    notes: str
    circumstances: list[str] = field(default_factory=list)
    carer: dict[str, str] | None = None
    existing: int | None = None  # the registered child this row updates
    shared: list[int] = field(default_factory=list)  # children outside reach with the same ID number (flagged)

    def key(self) -> tuple[str, Any, int]:
        return self.folded, self.date_of_birth or self.birth_year, self.unit.pk


class _Lookups(TypedDict):
    """What every row is checked against, read once per file: the communes in reach and the ethnicity terms."""

    by_code: dict[tuple[int, str], AdminUnit]  # (list, code)
    by_name: dict[tuple[int, str], list[AdminUnit]]  # (list, folded name): a name may not be unique
    ethnicities: dict[str, Term]  # folded label or code
    commune_staff: bool  # the importer works for one commune: only its children, the commune columns optional


class ChildImporter:
    kind = "children"
    label = "Sổ theo dõi trẻ em"
    position = 1
    # The aliases: the wording of the national child-information software's exports and of the communes' own lists
    # (docs/imports.md); compared folded (no accents, any case or spacing), a note in parentheses ignored.
    columns: tuple[Column, ...] = (
        Column(
            "full_name",
            "Họ và tên",
            required=True,
            aliases=("Họ tên", "Họ và tên trẻ", "Họ tên trẻ", "Họ và tên trẻ em", "Họ tên trẻ em", "Tên trẻ"),
        ),
        Column("other_names", "Tên gọi khác"),
        Column(
            "date_of_birth",
            "Ngày sinh",
            help="dd/mm/yyyy",
            aliases=("Ngày, tháng, năm sinh", "Ngày tháng năm sinh", "Ngày/tháng/năm sinh", "Sinh ngày"),
        ),
        Column("birth_year", "Năm sinh", help="khi không rõ ngày sinh (ước tính)"),
        Column("sex", "Giới tính", required=True, help="Nam, Nữ hoặc Chưa rõ", aliases=("Giới", "Nam/Nữ")),
        Column("ethnicity", "Dân tộc", help="tên dân tộc, ví dụ Kinh, Mường, Thái"),
        Column(
            "national_id",
            "Mã định danh",
            help="12 chữ số; trùng mã đã có thì cập nhật trẻ em đó",
            aliases=("Số định danh cá nhân", "Mã định danh cá nhân", "Số định danh", "Mã số định danh cá nhân"),
        ),
        Column(
            "unit_code",
            "Mã xã",
            help="mã xã, phường, đặc khu của Tổng cục Thống kê, ví dụ 14797",
            aliases=("Mã xã, phường", "Mã xã/phường", "Mã ĐVHC", "Mã đơn vị hành chính"),
        ),
        Column(
            "unit_name",
            "Tên xã",
            help="tên xã, phường đúng như danh mục, khi không ghi mã; cán bộ xã có thể bỏ trống cả mã và tên",
            aliases=("Xã, phường", "Xã/phường", "Tên xã, phường", "Xã, phường, đặc khu"),
        ),
        Column("unit_list", "Danh mục đơn vị", help="năm danh mục: 2026 (mặc định), 2025 hoặc 2024"),
        Column(
            "address",
            "Địa chỉ",
            aliases=("Nơi thường trú", "Địa chỉ thường trú", "Nơi cư trú", "Nơi ở hiện nay", "Chỗ ở hiện nay"),
        ),
        Column("school", "Trường", aliases=("Trường học",)),
        Column("school_class", "Lớp"),
        Column(
            "carer_name",
            "Người chăm sóc",
            aliases=(
                "Họ tên cha/mẹ/người chăm sóc",
                "Họ tên cha, mẹ hoặc người chăm sóc",
                "Họ tên cha mẹ hoặc người chăm sóc",
                "Họ tên người chăm sóc",
                "Người nuôi dưỡng",
            ),
        ),
        Column("carer_relation", "Quan hệ với trẻ", aliases=("Quan hệ",)),
        Column("carer_phone", "Điện thoại người chăm sóc", aliases=("Số điện thoại", "Điện thoại")),
        Column(
            "circumstances",
            "Nhóm hoàn cảnh đặc biệt",
            help="chữ cái của nhóm (Điều 10), cách nhau bởi dấu ;",
            aliases=("Hoàn cảnh đặc biệt", "Nhóm HCĐB", "Trẻ em có hoàn cảnh đặc biệt"),
        ),
        Column("notes", "Ghi chú"),
    )

    def allowed(self, actor: User) -> bool:
        return can_import_registry(actor)

    # --- checking --------------------------------------------------------------------------------------------------

    def _context(self, actor: User) -> _Lookups:
        units = jurisdiction_units(actor).filter(level=UnitLevel.COMMUNE)
        by_code: dict[tuple[int, str], AdminUnit] = {}
        by_name: dict[tuple[int, str], list[AdminUnit]] = {}
        for unit in units.only("pk", "list_version", "code", "name", "name_folded", "level", "path"):
            by_code[(unit.list_version, unit.code)] = unit
            by_name.setdefault((unit.list_version, unit.name_folded), []).append(unit)
        ethnicities: dict[str, Term] = {}
        for term in Term.objects.filter(kind=TermKind.ETHNICITY):
            ethnicities[fold(term.label)] = term
            ethnicities[fold(term.code)] = term
        staff = works_for_commune(actor)
        return {"by_code": by_code, "by_name": by_name, "ethnicities": ethnicities, "commune_staff": staff}

    def _parse(self, row: Row, ctx: _Lookups, today: dt.date) -> ChildRow | str:
        v = row.values
        errors: list[str] = []
        name = v.get("full_name", "")
        if not name:
            errors.append("thiếu họ và tên")
        for key, limit in LENGTHS.items():
            if len(v.get(key, "")) > limit:
                errors.append(f"“{key}” dài quá {limit} ký tự")
        sex = SEXES.get(_fold_short(v.get("sex", "")))
        if sex is None:
            errors.append(f"giới tính “{v.get('sex', '')}” không hợp lệ (Nam, Nữ hoặc Chưa rõ)")
        born: dt.date | None = None
        try:
            born = parse_date(v.get("date_of_birth", ""))
        except ValueError as exc:
            errors.append(str(exc))
        year = born.year if born else 0
        if not born and not (v.get("date_of_birth") and errors):
            text = v.get("birth_year", "")
            if not text:
                errors.append("cần ngày sinh hoặc năm sinh")
            elif not text.isdigit() or not 1900 <= int(text) <= today.year:
                errors.append(f"năm sinh “{text}” không hợp lệ")
            else:
                year = int(text)
        if born and born > today:
            errors.append("ngày sinh ở tương lai")
        if year and not errors:
            age = (
                (today.year - born.year - ((today.month, today.day) < (born.month, born.day)))
                if born
                else today.year - year
            )
            if age >= CHILD_AGE_LIMIT:
                errors.append(f"người này đã {age} tuổi: sổ theo dõi trẻ em là người dưới {CHILD_AGE_LIMIT} tuổi")
        national_id = v.get("national_id", "")
        if national_id and not (len(national_id) == 12 and national_id.isdigit()):
            errors.append("mã định danh phải gồm đúng 12 chữ số")
        ethnicity = None
        if v.get("ethnicity"):
            ethnicity = ctx["ethnicities"].get(_fold_short(v["ethnicity"]))
            if ethnicity is None:
                errors.append(f"dân tộc “{v['ethnicity']}” không có trong danh mục")
        unit = self._unit(v, ctx, errors)
        groups = [g.strip().lower().rstrip(")") for g in v.get("circumstances", "").replace(",", ";").split(";")]
        groups = [g for g in groups if g]
        if any(g not in CIRCUMSTANCES for g in groups):
            errors.append("nhóm hoàn cảnh đặc biệt phải là chữ cái của Điều 10 (a, b, c, ...)")
        carer = None
        if v.get("carer_name") or v.get("carer_phone"):
            if not v.get("carer_name"):
                errors.append("có điện thoại người chăm sóc nhưng thiếu họ tên")
            carer = {
                "full_name": v.get("carer_name", ""),
                "relation": v.get("carer_relation", ""),
                "phone": v.get("carer_phone", ""),
            }
        if errors or unit is None or sex is None:
            return "; ".join(errors) or "dữ liệu không hợp lệ"
        return ChildRow(
            number=row.number,
            full_name=name,
            folded=fold(name),
            other_names=v.get("other_names", ""),
            date_of_birth=born,
            birth_year=year,
            birth_year_estimated=not born,
            sex=sex,
            ethnicity=ethnicity,
            national_id=national_id,
            unit=unit,
            address=v.get("address", ""),
            school=v.get("school", ""),
            school_class=v.get("school_class", ""),
            notes=v.get("notes", ""),
            circumstances=sorted(set(groups)),
            carer=carer,
        )

    def _unit(self, v: dict[str, str], ctx: _Lookups, errors: list[str]) -> AdminUnit | None:
        list_text = v.get("unit_list", "") or str(settings.CHILDPROTECT_CURRENT_UNIT_LIST)
        if not list_text.isdigit():
            errors.append(f"danh mục đơn vị “{list_text}” không hợp lệ")
            return None
        version = int(list_text)
        code, name = v.get("unit_code", ""), v.get("unit_name", "")
        if code:
            code = code.zfill(5) if code.isdigit() else code
            unit = ctx["by_code"].get((version, code))
            if unit is None:
                errors.append(
                    f"mã xã, phường “{v['unit_code']}” không có trong danh mục {version} thuộc địa bàn của bạn"
                    + (": cán bộ xã chỉ nhập trẻ em cư trú tại xã mình" if ctx["commune_staff"] else "")
                )
            return unit
        if name:
            found = ctx["by_name"].get((version, _fold_short(name)), [])
            if len(found) == 1:
                return found[0]
            errors.append(
                f"xã, phường “{name}” không có trong danh mục {version} thuộc địa bàn của bạn"
                + (": cán bộ xã chỉ nhập trẻ em cư trú tại xã mình" if ctx["commune_staff"] else "")
                if not found
                else f"có nhiều xã, phường tên “{name}”: hãy ghi mã"
            )
            return None
        communes = list(ctx["by_code"].values())
        if ctx["commune_staff"] and len({u.pk for u in communes if u.list_version == version}) == 1:
            return next(u for u in communes if u.list_version == version)  # commune staff: their own commune
        errors.append("thiếu mã hoặc tên xã, phường")
        return None

    def _plan(self, actor: User, rows: list[Row], progress: Progress) -> tuple[Plan, list[ChildRow]]:
        plan = Plan(rows=len(rows))
        rows = check_formulas(rows, plan)
        ctx = self._context(actor)
        today = timezone.localdate()
        parsed: list[ChildRow] = []
        for i, row in enumerate(rows):
            result = self._parse(row, ctx, today)
            if isinstance(result, str):
                plan.error(row.number, result[0].upper() + result[1:] + ".")
            else:
                parsed.append(result)
            if i % 2000 == 0:
                progress(60 * i // max(len(rows), 1))
        progress(60)
        # Duplicates inside the file, then against the registry (within the importer's reach).
        seen: dict[tuple[str, Any, int], int] = {}
        seen_ids: dict[str, int] = {}
        unique: list[ChildRow] = []
        for child in parsed:
            first = seen.setdefault(child.key(), child.number)
            first_id = seen_ids.setdefault(child.national_id, child.number) if child.national_id else child.number
            if first != child.number:
                plan.error(child.number, f"Trùng với dòng {first} (cùng họ tên, ngày hoặc năm sinh, xã phường).")
            elif first_id != child.number:
                plan.error(child.number, f"Trùng mã định danh với dòng {first_id}.")
            else:
                unique.append(child)
        ids = [c.national_id for c in unique if c.national_id]
        by_id: dict[str, list[tuple[int, int]]] = {}
        for start in range(0, len(ids), 5000):
            for pk, nid, unit_id in Child.objects.filter(national_id__in=ids[start : start + 5000]).values_list(
                "pk", "national_id", "residence_unit_id"
            ):
                by_id.setdefault(nid, []).append((pk, unit_id))
        progress(75)
        unit_ids = sorted({c.unit.pk for c in unique})
        registered: set[tuple[str, Any, int]] = set()
        for start in range(0, len(unit_ids), 200):
            for name, born, year, unit_id in Child.objects.filter(
                residence_unit_id__in=unit_ids[start : start + 200]
            ).values_list("name_folded", "date_of_birth", "birth_year", "residence_unit_id"):
                registered.add((name, born or year, unit_id))
                if born:
                    registered.add((name, year, unit_id))
        progress(90)
        reach = {u.pk for u in ctx["by_code"].values()}
        actions: list[ChildRow] = []
        for child in unique:
            holders = by_id.get(child.national_id, []) if child.national_id else []
            inside = [pk for pk, unit_id in holders if unit_id in reach]
            # A number held only outside the importer's area is no error (that would tell them it exists): the row
            # is read as if the number were new, and the pair is flagged like a registration's (services.intake).
            child.shared = [pk for pk, unit_id in holders if unit_id not in reach]
            if inside:
                child.existing = inside[0]
                plan.update += 1
                actions.append(child)
            elif child.key() in registered or (child.folded, child.birth_year, child.unit.pk) in registered:
                plan.skip += 1
            else:
                plan.create += 1
                actions.append(child)
        progress(100)
        return plan, actions

    def check(self, actor: User, rows: list[Row], progress: Progress) -> Plan:
        return self._plan(actor, rows, progress)[0]

    # --- writing ---------------------------------------------------------------------------------------------------

    def apply(self, actor: User, rows: list[Row], progress: Progress) -> Plan:
        plan, actions = self._plan(actor, rows, lambda p: progress(p // 2))
        if plan.errors:
            return plan
        now = timezone.now()
        new = [c for c in actions if c.existing is None]
        content_type = ContentType.objects.get_for_model(Child)

        def audit(action: str, pk: int, changes: dict[str, Any]) -> dict[str, Any]:
            return {
                "at": now,
                "actor": actor.pk,
                "actor_repr": actor.get_username(),
                "action": action,
                "object_type": content_type.pk,
                "object_id": str(pk),
                "object_repr": f"Trẻ em #{pk}",
                "changes": changes,
            }

        # Batch by batch, each child with its carer, groups and audit entry (one transaction all the same, opened by
        # the job): the worker holds the rows of 2,000 children at a time, not 100,000 of each kind. Plain rows, not
        # model instances (core.bulk.insert_rows): what Child.save() and Carer.save() derive is computed here.
        source = {"source": "import"}
        for start in range(0, len(new), 2000):
            rows_batch = new[start : start + 2000]
            children = insert_rows(
                Child,
                [
                    {
                        "full_name": c.full_name,
                        "name_folded": c.folded,
                        "other_names": c.other_names,
                        "other_names_folded": fold(c.other_names),
                        "date_of_birth": c.date_of_birth,
                        "birth_year": c.birth_year,
                        "birth_year_estimated": c.birth_year_estimated,
                        "sex": c.sex,
                        "ethnicity": c.ethnicity.pk if c.ethnicity else None,
                        "national_id": c.national_id,
                        "residence_unit": c.unit.pk,
                        "address": c.address,
                        "school": c.school,
                        "school_class": c.school_class,
                        "notes": c.notes,
                        "created_by": actor.pk,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for c in rows_batch
                ],
            )
            insert_rows(
                Carer,
                [
                    {"child": pk, "phone_digits": phone_digits(row.carer["phone"]), **row.carer}
                    for row, pk in zip(rows_batch, children, strict=True)
                    if row.carer
                ],
            )
            insert_rows(
                ChildCircumstance,
                [
                    {"child": pk, "group": g}
                    for row, pk in zip(rows_batch, children, strict=True)
                    for g in row.circumstances
                ],
            )
            insert_rows(AuditEntry, [audit(ChildAction.IMPORT, pk, source) for pk in children])
            # A number also held outside the importer's reach: flagged, named by record number only (no oracle).
            insert_rows(
                AuditEntry,
                [
                    audit(ChildAction.NATIONAL_ID_SHARED, pk, {"also_on": [f"Trẻ em #{other}" for other in row.shared]})
                    for row, pk in zip(rows_batch, children, strict=True)
                    if row.shared
                ],
            )
            progress(50 + 40 * (start + len(rows_batch)) // max(len(new), 1))
        updated = self._update([c for c in actions if c.existing is not None])
        insert_rows(AuditEntry, [audit(ChildAction.IMPORT_UPDATE, pk, source) for pk in updated])
        progress(100)
        return plan

    def _update(self, rows: list[ChildRow]) -> list[int]:
        existing = Child.objects.in_bulk([r.existing for r in rows])
        changed: list[Child] = []
        for row in rows:
            child = existing[row.existing]
            child.full_name, child.name_folded = row.full_name, fold(row.full_name)
            child.other_names, child.other_names_folded = row.other_names, fold(row.other_names)
            child.date_of_birth, child.birth_year, child.sex = row.date_of_birth, row.birth_year, row.sex
            child.ethnicity, child.address, child.school = row.ethnicity or child.ethnicity, row.address, row.school
            child.version += 1
            changed.append(child)
        Child.objects.bulk_update(
            changed, [*UPDATED_FIELDS, "name_folded", "other_names_folded", "version"], batch_size=2000
        )
        return [c.pk for c in changed]
