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
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold

from .models import Position, Role, User
from .policy import can_import
from .selectors import account_manageable_by
from .services import NO_PASSWORD_CHANGE, NOT_MANAGEABLE, account_ensure, account_validate

ROLES = {fold(str(label)): value for value, label in Role.choices} | {value: value for value in Role.values}
ROLES |= {"can bo xa": Role.COMMUNE_OFFICER, "chu tich xa": Role.COMMUNE_CHAIR, "giam sat": Role.SUPERVISOR}
ROLES |= {"co quan phoi hop": Role.PARTNER, "quan tri": Role.ADMIN}

# The column "Chức vụ" (optional): the titles as people write them (folded), the position each records and the
# place it belongs to: a commune's committee ("chair"), a province's agency (Sở: Giám đốc), a district's office of the
# 2024 list (Phòng: Trưởng phòng); None: any account that may hold it (account_validate). A title followed by its body
# ("Phó Chủ tịch UBND xã", "Giám đốc Sở Y tế") is read by its first words.
POSITIONS: dict[str, tuple[Position, str | None]] = {
    "chu tich": (Position.HEAD, "chair"),
    "pho chu tich": (Position.DEPUTY, "chair"),
    "giam doc": (Position.HEAD, UnitLevel.PROVINCE),
    "pho giam doc": (Position.DEPUTY, UnitLevel.PROVINCE),
    "truong phong": (Position.HEAD, UnitLevel.DISTRICT),
    "pho truong phong": (Position.DEPUTY, UnitLevel.DISTRICT),
    "cap truong": (Position.HEAD, None),
    "cap pho": (Position.DEPUTY, None),
    "chuyen vien": (Position.STAFF, None),
    "can bo": (Position.STAFF, None),
    "cong chuc": (Position.STAFF, None),
    "vien chuc": (Position.STAFF, None),
    "nhan vien": (Position.STAFF, None),
    **{value: (Position(value), None) for value in Position.values},
}
POSITION_WORDS = "Chủ tịch, Phó Chủ tịch, Giám đốc, Phó Giám đốc, Trưởng phòng, Phó Trưởng phòng, Chuyên viên"
PLACES = {
    "chair": "tài khoản Chủ tịch / Phó Chủ tịch UBND xã",
    UnitLevel.PROVINCE: "cán bộ giám sát cấp tỉnh (lãnh đạo Sở)",
    UnitLevel.DISTRICT: "cán bộ giám sát cấp huyện (lãnh đạo Phòng)",
}


def position_from(text: str, role: str | None, unit: AdminUnit | None) -> tuple[str | None, str | None]:
    """The position a "Chức vụ" cell records and the error it makes, in Vietnamese: (None, None) for an empty cell
    (the account's position is kept)."""
    folded = fold(text)
    if not folded:
        return None, None
    found = next(
        (
            POSITIONS[key]
            for key in sorted(POSITIONS, key=len, reverse=True)
            if folded == key or folded.startswith(key + " ")
        ),
        None,
    )
    if found is None:
        return None, f"chức vụ “{text}” không hợp lệ; ghi một trong: {POSITION_WORDS} (hoặc để trống)"
    position, place = found
    if place == "chair":
        fits = role == Role.COMMUNE_CHAIR
    elif place is not None:
        fits = role == Role.SUPERVISOR and unit is not None and unit.level == place
    else:
        fits = True
    if not fits and place is not None:
        return None, f"chức vụ “{text}” chỉ ghi cho {PLACES[place]}"
    return position, None


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
        Column(
            "position",
            "Chức vụ",
            help="Chủ tịch, Phó Chủ tịch (UBND xã); Giám đốc, Phó Giám đốc (cấp tỉnh); Trưởng phòng, Phó Trưởng phòng "
            "(cấp huyện); Chuyên viên. Để trống: giữ như cũ",
        ),
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
            position, wrong = position_from(v.get("position", ""), role, unit)
            if wrong:
                errors.append(wrong)
            user = existing.get(username)
            if role is not None and not errors:
                kept = user.position if user is not None else ""
                try:
                    account_validate(role, unit, agency, kept if position is None else position)
                except ValidationError as exc:
                    errors += [m.rstrip(".") for m in exc.messages]
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
                message = "; ".join(errors)  # capitalised by its first letter only: "UBND", names and titles kept
                plan.error(row.number, message[:1].upper() + message[1:] + ".")
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
                    user.position,
                )
                == (
                    v["full_name"],
                    role,
                    (agency.unit_id if agency else getattr(unit, "pk", None)),
                    getattr(agency, "pk", None),
                    v.get("email", ""),
                    user.position if position is None else position,
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
                    "position": position,
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
