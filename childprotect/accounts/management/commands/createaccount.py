"""`createaccount`: the administrator's provisioning tool, run on the server.

It runs without a signed-in person (`actor=None`), so `account_manageable_by` gives it full rights: any role,
administrators included, and it sets the password from CHILDPROTECT_PASSWORD on a new or an existing account. Whoever
can run it can already run any command on the server; every change is in the audit log as the system's.
The account import, run by a person, is held to that person's rights (childprotect/accounts/imports.py).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from childprotect.accounts.models import Position, Role
from childprotect.accounts.services import account_ensure
from childprotect.agencies.selectors import agency_get_by_name
from childprotect.places.selectors import unit_get_by_key


class Command(BaseCommand):
    help = (
        "Tạo hoặc cập nhật một tài khoản. Mật khẩu lấy từ biến môi trường CHILDPROTECT_PASSWORD. "
        "Chạy lại với cùng tham số không thay đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"một trong: {', '.join(Role.values)}")
        parser.add_argument("--unit", help="đơn vị dạng DANHMỤC:MÃ, ví dụ 2026:14797")
        parser.add_argument("--agency", help="tên cơ quan (với vai trò partner)")
        parser.add_argument("--full-name", default="", help="họ và tên, có dấu")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--position",
            choices=Position.values,
            help="chức vụ: head (cấp trưởng), deputy (cấp phó), staff; để trống: giữ",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            unit = unit_get_by_key(options["unit"]) if options["unit"] else None
            agency = agency_get_by_name(options["agency"]) if options["agency"] else None
            result = account_ensure(
                actor=None,
                username=options["username"],
                role=options["role"],
                unit=unit,
                agency=agency,
                full_name=options["full_name"],
                email=options["email"],
                position=options["position"],
                password=os.environ.get("CHILDPROTECT_PASSWORD") or None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "Đã tạo" if result.created else ("Đã cập nhật" if result.changed else "Không thay đổi")
        self.stdout.write(f"{verb} tài khoản {result.user.username} ({Role(result.user.role).label}).")
