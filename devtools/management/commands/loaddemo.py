from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.demo import demo_client_load
from devtools.demo import ACCOUNTS, demo_load, demo_password


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu (tỉnh Thanh Hóa, ba xã, một tài khoản cho mỗi vai trò). Chạy lại không thay đổi gì."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results, (children, reports) = demo_load()
            extras = demo_client_load()  # the API's demo client: its token is printed once, when it is made
        except ValueError as exc:  # a demo unit is missing
            raise CommandError(f"{exc} Hãy chạy `manage.py loadunits` trước.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        changed = sum(1 for _, c in results if c)
        self.stdout.write(
            f"Dữ liệu mẫu: {len(results)} tài khoản ({changed} tạo mới hoặc cập nhật), "
            f"{children} trẻ em và {reports} thông tin mới."
        )
        self.stdout.write(f"Mật khẩu chung của các tài khoản mẫu: {demo_password()}")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<11} {account.full_name}")
        for line in extras:
            self.stdout.write(line)
