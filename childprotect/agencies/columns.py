"""The agency columns of a spreadsheet, how each cell is read and what is said when it is wrong: one definition for
both ways agencies come in, the admin's import (childprotect/agencies/resources.py, django-import-export) and the
common preview-and-confirm job at /imports/ (childprotect/agencies/imports.py). The same bad row gives the same
Vietnamese message on both; each path only adds where it is shown (the admin prefixes "Dòng N: ", /imports/ has a
column for the line).

    name         Tên cơ quan (required)
    agency_type  Loại: the code (police, health, ...) or the Vietnamese label ("Công an", "Y tế", ...) (required)
    unit         Địa bàn phục vụ, written LIST:CODE, e.g. 2026:14797 (required)
    address, phone, email
    is_active    1/0 (also true/false, có/không); empty means active

A header is the machine key or the Vietnamese name (the model field's verbose name), in any case, with or without
accents. A row is identified by its unit and its name (accents and case aside): the same agency twice in one file is
an error on the second row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.text import capfirst

from childprotect.accounts.models import User
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold, nfc

from .models import Agency, AgencyType
from .services import AGENCY_FIELDS

COLUMNS: tuple[str, ...] = tuple(AGENCY_FIELDS)  # name, agency_type, unit, address, phone, email, is_active
REQUIRED_COLUMNS = ("name", "agency_type", "unit")
HELP = {
    "agency_type": "Công an, Y tế, Giáo dục, ... hoặc mã (police, health, ...)",
    "unit": "danh mục:mã, ví dụ 2026:14797 (xã) hoặc 2026:38 (tỉnh)",
    "is_active": "có / không; để trống là có",
}
_TRUE = {"1", "true", "co", "x", "yes", "dang hoat dong"}
_FALSE = {"0", "false", "khong", "no", "ngung hoat dong"}


def _model_field(key: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", Agency._meta.get_field(key))


def column_label(key: str) -> str:
    """The Vietnamese name of a column, from the model field (e.g. "tên cơ quan" for name)."""
    return str(_model_field(key).verbose_name)


def column_header(key: str) -> str:
    """The column's header in a template file (e.g. "Tên cơ quan")."""
    return str(capfirst(column_label(key)))


def header_key(header: Any) -> str:
    """The column key a header names (its key or its Vietnamese name, folded), or the header itself if none."""
    names = {fold(key): key for key in COLUMNS} | {fold(column_label(key)): key for key in COLUMNS}
    text = cell_text(header)
    return names.get(fold(text).rstrip(" *"), text)


def cell_text(value: Any) -> str:
    """A cell as text: spreadsheets give numbers and booleans too (a whole number stays without ".0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def agency_type_from_text(value: Any) -> str:
    """The AgencyType code written as its code or its Vietnamese label, in any case, with or without accents."""
    folded = fold(cell_text(value))
    for choice in AgencyType:
        if folded in (fold(choice.value), fold(str(choice.label))):
            return str(choice.value)
    codes = ", ".join(f"{c.value} ({c.label})" for c in AgencyType)
    raise ValueError(f"loại cơ quan “{cell_text(value)}” không có trong danh mục; ghi mã hoặc tên loại: {codes}.")


def flag_from_text(value: Any) -> bool:
    """is_active: 1/0, true/false, có/không (a bool cell as it is); empty means active."""
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    folded = fold(cell_text(value))
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"cột {column_label('is_active')} ghi “{cell_text(value)}”; ghi 1 (có) hoặc 0 (không).")


def missing_columns_message(missing: list[str]) -> str:
    named = ", ".join(f"{key} ({column_label(key)})" for key in missing)
    return f"Tệp thiếu cột {named}."


@dataclass
class AgencyRowChecker:
    """Checks the rows of one file in order: each row's values made canonical, and what is wrong with it.

    `actor`, when given, must reach each row's unit (a supervisor imports the agencies of her own area only; an
    administrator reaches every unit). Units are looked up once per file."""

    actor: User | None = None
    _units: dict[str, AdminUnit] = field(default_factory=dict)
    _seen: dict[tuple[int, str], int] = field(default_factory=dict)

    def unit(self, key: str) -> AdminUnit:
        if key not in self._units:
            self._units[key] = unit_get_by_key(key)  # ValueError with a Vietnamese message
        return self._units[key]

    def check(self, line: int, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """({column: value} for the columns the row has, unit as an AdminUnit; {column: Vietnamese message}).

        Messages start in lower case unless they start with a name (a path adds "Dòng N: " or capitalises)."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in ("name", "address", "phone", "email"):
            if key in row:
                values[key] = cell_text(row[key])
        if not values.get("name"):
            errors["name"] = f"thiếu {column_label('name')}."
        try:
            values["agency_type"] = agency_type_from_text(row.get("agency_type"))
        except ValueError as exc:
            errors["agency_type"] = str(exc) if cell_text(row.get("agency_type")) else "thiếu loại cơ quan."
        unit_key = cell_text(row.get("unit"))
        if not unit_key:
            errors["unit"] = f"thiếu {column_label('unit')} (ghi DANHMỤC:MÃ, ví dụ 2026:14797)."
        else:
            try:
                values["unit"] = unit = self.unit(unit_key)
            except (ValueError, LookupError) as exc:
                errors["unit"] = str(exc)
            else:
                if self.actor is not None and not user_reaches_unit(self.actor, unit):
                    errors["unit"] = f"{unit.name} ({unit.key}) nằm ngoài địa bàn bạn phụ trách."
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                errors["email"] = f"{column_label('email')} “{values['email']}” không hợp lệ."
        if "is_active" in row:
            try:
                values["is_active"] = flag_from_text(row["is_active"])
            except ValueError as exc:
                errors["is_active"] = str(exc)
        for key in ("name", "address", "phone", "email"):
            limit = _model_field(key).max_length
            if key not in errors and limit and len(values.get(key, "")) > limit:
                errors[key] = f"{column_label(key)} dài quá {limit} ký tự."
        if not errors:
            identity = (values["unit"].pk, fold(values["name"]))
            first = self._seen.setdefault(identity, line)
            if first != line:
                errors["name"] = f"cơ quan “{values['name']}” ở địa bàn {values['unit'].key} đã có ở dòng {first}."
        return values, errors
