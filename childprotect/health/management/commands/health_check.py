from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from childprotect.health.services import alarms_check


class Command(BaseCommand):
    help = (
        "Mở, đóng và gửi thư các cảnh báo hệ thống ngay (các worker tự làm việc này; dùng khi không còn worker nào, "
        "ví dụ từ cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        alarms = alarms_check()
        self.stdout.write(", ".join(a.kind for a in alarms) or "ok")
