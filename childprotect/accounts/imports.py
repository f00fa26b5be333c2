"""Importing accounts through the common preview-and-confirm job (childprotect/core/imports.py).

Administrators import any account; a supervisor imports the commune staff of their own area and the partners of
agencies serving it (never supervisors or administrators): `account_manageable_by`, asked of the account as it is
and as the row would make it, the same rule as account_ensure and the admin. Each account is written by
`account_ensure` (the rules of docs/law.md#people-and-places, the password rules, the audit entry); an unchanged
row is skipped. A new account needs a password (the person changes it at first login); a row that gives a password
for an account that exists already is refused: an import never changes another person's password.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from childprotect.agencies.selectors import agency_get_by_name
from childprotect.core.imports import Column, Plan, Progress, Row, check_formulas
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold

from .models import Role, User
from .policy import can_import
from .selectors import account_manageable_by
from .services import NO_PASSWORD_CHANGE, NOT_MANAGEABLE, account_ensure, account_validate

ROLES = {fold(str(label)): value for value, label in Role.choices} | {value: value for value in Role.values}
ROLES |= {"can bo xa": Role.COMMUNE_OFFICER, "chu tich xa": Role.COMMUNE_CHAIR, "giam sat": Role.SUPERVISOR}
ROLES |= {"co quan phoi hop": Role.PARTNER, "quan tri": Role.ADMIN}


class AccountImporter:
    kind = "accounts"
    label = "Tài khoản người dùng"
    position = 2
    columns: tuple[Column, ...] = (
        Column("username", "Tên đăng nhập", required=True),
        Column("full_name", "Họ và tên", required=True),
        Column("role", "Vai trò", required=True, help="cán bộ xã, chủ tịch xã, giám sát, cơ quan phối hợp"),
        Column("unit", "Đơn vị", help="danh mục:mã, ví dụ 2026:14797 (không ghi với cơ quan phối hợp)"),
        Column("agency", "Cơ quan", help="tên cơ quan phối hợp, đúng như danh sách cơ quan"),
        Column("email", "Thư điện tử"),
        Column("password", "Mật khẩu", help="bắt buộc với tài khoản mới; người dùng đổi khi đăng nhập"),
    )

    def allowed(self, actor: User) -> bool:
        return can_import(actor)

    def _rows(self, actor: User, rows: list[Row], plan: Plan) -> list[dict[str, Any]]:
        rows = check_formulas(rows, plan)
        existing = {
            u.username: u for u in User.objects.filter(username__in=[r.values.get("username", "") for r in rows])
        }
        seen: dict[str, int] = {}
        parsed = []
        for row in rows:
            v = row.values
            errors: list[str] = []
            username = v.get("username", "")
            role = ROLES.get(fold(v.get("role", "")))
            unit = agency = None
            if not username:
                errors.append("thiếu tên đăng nhập")
            if role is None:
                errors.append(f"vai trò “{v.get('role', '')}” không hợp lệ")
            if v.get("unit"):
                try:
                    unit = unit_get_by_key(v["unit"])
                except ValueError as exc:
                    errors.append(str(exc).rstrip("."))
            if v.get("agency"):
                try:
                    agency = agency_get_by_name(v["agency"])
                except ValueError as exc:
                    errors.append(str(exc).rstrip("."))
            if role is not None and not errors:
                try:
                    account_validate(role, unit, agency)
                except ValidationError as exc:
                    errors += [m.rstrip(".") for m in exc.messages]
            user = existing.get(username)
            if user is not None and not account_manageable_by(actor, user):
                errors.append(str(NOT_MANAGEABLE % {"username": username}).rstrip("."))
            elif (
                role is not None
                and not errors
                and not account_manageable_by(
                    actor, User(role=role, unit=agency.unit if agency is not None else unit, agency=agency)
                )
            ):
                errors.append("bạn chỉ nhập được tài khoản cán bộ xã và cơ quan phối hợp trong địa bàn của mình")
            if v.get("email"):
                try:
                    validate_email(v["email"])
                except ValidationError:
                    errors.append(f"thư điện tử “{v['email']}” không hợp lệ")
            if user is None and not v.get("password"):
                errors.append("tài khoản mới cần mật khẩu")
            if user is not None and v.get("password"):
                errors.append(str(NO_PASSWORD_CHANGE).rstrip("."))
            if v.get("password") and not errors:
                try:
                    validate_password(v["password"])
                except ValidationError as exc:
                    errors += [m.rstrip(".") for m in exc.messages]
            first = seen.setdefault(username, row.number)
            if first != row.number:
                errors.append(f"trùng tên đăng nhập với dòng {first}")
            if errors:
                plan.error(row.number, "; ".join(errors).capitalize() + ".")
                continue
            unchanged = (
                user is not None
                and not v.get("password")
                and (
                    user.full_name,
                    user.role,
                    user.unit_id if agency is None else user.unit_id,
                    user.agency_id,
                    user.email,
                )
                == (
                    v["full_name"],
                    role,
                    (agency.unit_id if agency else getattr(unit, "pk", None)),
                    getattr(agency, "pk", None),
                    v.get("email", ""),
                )
            )
            if unchanged:
                plan.skip += 1
                continue
            if user is None:
                plan.create += 1
            else:
                plan.update += 1
            parsed.append(
                {
                    "username": username,
                    "full_name": v["full_name"],
                    "role": role,
                    "unit": unit,
                    "agency": agency,
                    "email": v.get("email", ""),
                    "password": v.get("password") or None,
                }
            )
        return parsed

    def check(self, actor: User, rows: list[Row], progress: Progress) -> Plan:
        plan = Plan(rows=len(rows))
        self._rows(actor, rows, plan)
        progress(100)
        return plan

    def apply(self, actor: User, rows: list[Row], progress: Progress) -> Plan:
        plan = Plan(rows=len(rows))
        todo = self._rows(actor, rows, plan)
        if plan.errors:
            return plan
        for i, values in enumerate(todo):
            account_ensure(actor=actor, **values)
            progress(100 * (i + 1) // len(todo))
        return plan
