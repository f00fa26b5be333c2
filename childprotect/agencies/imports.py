"""Importing agencies through the common preview-and-confirm job (childprotect/core/imports.py).

The columns, how each cell is read and the messages are childprotect/agencies/columns.py's, which the admin's import
(childprotect/agencies/resources.py) uses too; supervisors import the agencies of their own area only. Each agency is
written by `agency_ensure`, which audits it; an unchanged row is skipped.
"""

from __future__ import annotations

from typing import Any

from django.utils.text import capfirst

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_import
from childprotect.core.imports import Column, Plan, Progress, Row, check_formulas
from childprotect.text import fold

from .columns import COLUMNS, HELP, REQUIRED_COLUMNS, AgencyRowChecker, column_header
from .models import Agency
from .services import AGENCY_FIELDS, agency_ensure


class AgencyImporter:
    kind = "agencies"
    label = "Cơ quan phối hợp"
    position = 3
    columns: tuple[Column, ...] = tuple(
        Column(
            key,
            column_header(key),
            required=key in REQUIRED_COLUMNS,
            help=HELP.get(key, ""),
        )
        for key in COLUMNS
    )

    def allowed(self, actor: User) -> bool:
        return can_import(actor)

    def _rows(self, actor: User, rows: list[Row], plan: Plan) -> list[dict[str, Any]]:
        rows = check_formulas(rows, plan)
        checker = AgencyRowChecker(actor=actor)
        parsed: list[dict[str, Any]] = []
        for row in rows:
            values, errors = checker.check(row.number, row.values)
            if errors:
                plan.error(row.number, " ".join(capfirst(message) for message in errors.values()))
                continue
            # A column the file does not have is empty (is_active: active).
            parsed.append({"address": "", "phone": "", "email": "", "is_active": True} | values | {"row": row.number})
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

    def check(self, actor: User, rows: list[Row], progress: Progress) -> Plan:
        plan = Plan(rows=len(rows))
        self._count(self._rows(actor, rows, plan), plan)
        progress(100)
        return plan

    def apply(self, actor: User, rows: list[Row], progress: Progress) -> Plan:
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
