"""Importing agencies through the common preview-and-confirm job (childprotect/core/imports.py).

The rows are read and checked with the same rules as the admin's import (referrals/resources.py: type by code or
Vietnamese label, unit as LIST:CODE); supervisors import the agencies of their own area only. Each agency is written
by `agency_ensure`, which audits it; an unchanged row is skipped.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from childprotect.accounts.models import Role, User
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.core.imports import Column, Plan, Progress, Row, check_formulas, register
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold

from .models import Agency
from .resources import _flag, agency_type_from_text
from .services import AGENCY_FIELDS, agency_ensure


class AgencyImporter:
    kind = "agencies"
    label = "Cơ quan phối hợp"
    columns: tuple[Column, ...] = (
        Column("name", "Tên cơ quan", required=True),
        Column("agency_type", "Loại", required=True, help="Công an, Y tế, Giáo dục, ... hoặc mã (police, health, ...)"),
        Column("unit", "Địa bàn phục vụ", required=True, help="danh mục:mã, ví dụ 2026:14797 (xã) hoặc 2026:38 (tỉnh)"),
        Column("address", "Địa chỉ"),
        Column("phone", "Điện thoại"),
        Column("email", "Thư điện tử"),
        Column("is_active", "Đang hoạt động", help="có / không; để trống là có"),
    )

    def allowed(self, actor: User) -> bool:
        return actor.is_active and (actor.is_administrator or actor.role == Role.SUPERVISOR)

    def _rows(self, actor: Any, rows: list[Row], plan: Plan) -> list[dict[str, Any]]:
        rows = check_formulas(rows, plan)
        seen: dict[tuple[int, str], int] = {}
        parsed: list[dict[str, Any]] = []
        for row in rows:
            v = row.values
            errors: list[str] = []
            values: dict[str, Any] = {"name": v.get("name", ""), "row": row.number}
            if not values["name"]:
                errors.append("thiếu tên cơ quan")
            try:
                values["agency_type"] = agency_type_from_text(v.get("agency_type", ""))
            except ValueError as exc:
                errors.append(str(exc))
            try:
                unit = unit_get_by_key(v.get("unit", ""))
            except (ValueError, LookupError):
                errors.append(f"địa bàn “{v.get('unit', '')}” không có trong danh mục (ghi dạng 2026:14797)")
            else:
                if not user_reaches_unit(actor, unit):
                    errors.append(f"{unit.name} nằm ngoài địa bàn bạn phụ trách")
                values["unit"] = unit
            if v.get("email"):
                try:
                    validate_email(v["email"])
                except ValidationError:
                    errors.append(f"thư điện tử “{v['email']}” không hợp lệ")
            try:
                values["is_active"] = _flag(v.get("is_active", ""))
            except ValueError as exc:
                errors.append(str(exc))
            values.update({k: v.get(k, "") for k in ("address", "phone", "email")})
            if errors:
                plan.error(row.number, "; ".join(errors).capitalize() + ".")
                continue
            key = (values["unit"].pk, fold(values["name"]))
            first = seen.setdefault(key, row.number)
            if first != row.number:
                plan.error(row.number, f"Trùng với dòng {first} (cùng tên cơ quan và địa bàn).")
                continue
            parsed.append(values)
        return parsed

    def _count(self, parsed: list[dict[str, Any]], plan: Plan) -> list[dict[str, Any]]:
        existing = {(a.unit_id, fold(a.name)): a for a in Agency.objects.filter(unit__in=[p["unit"] for p in parsed])}
        todo = []
        for values in parsed:
            agency = existing.get((values["unit"].pk, fold(values["name"])))
            if agency is None:
                plan.create += 1
            elif all(str(getattr(agency, f) if f != "unit" else agency.unit) == str(values[f]) for f in AGENCY_FIELDS):
                plan.skip += 1
                continue
            else:
                plan.update += 1
                values["name"] = agency.name
            todo.append(values)
        return todo

    def check(self, actor: Any, rows: list[Row], progress: Progress) -> Plan:
        plan = Plan(rows=len(rows))
        self._count(self._rows(actor, rows, plan), plan)
        progress(100)
        return plan

    def apply(self, actor: Any, rows: list[Row], progress: Progress) -> Plan:
        plan = Plan(rows=len(rows))
        todo = self._count(self._rows(actor, rows, plan), plan)
        if plan.errors:
            return plan
        for i, values in enumerate(todo):
            agency_ensure(
                actor=actor,
                name=values["name"],
                agency_type=values["agency_type"],
                unit=values["unit"],
                **{k: values[k] for k in ("address", "phone", "email", "is_active")},
            )
            progress(100 * (i + 1) // len(todo))
        return plan


register(AgencyImporter())
