"""`auditmaintain`: the audit log's retention and legal erasure, run on the server by an administrator's account.

Both go through services.audit_maintain, the only way the database lets an entry change, and leave one entry.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from childprotect.audit.services import audit_maintain, retention_cutoff


class Command(BaseCommand):
    help = (
        "Bảo trì nhật ký: xoá các mục đã quá thời hạn lưu trữ (CHILDPROTECT_AUDIT_RETENTION_YEARS), hoặc xoá dữ liệu "
        "cá nhân trong các mục về một hồ sơ (--redact). Mỗi lần chạy ghi một mục nhật ký."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="tài khoản quản trị thực hiện (tên đăng nhập)")
        parser.add_argument("--reason", required=True, help="lý do: văn bản, quyết định hoặc yêu cầu")
        parser.add_argument("--before", help="xoá các mục trước ngày này (YYYY-MM-DD); mặc định: hết thời hạn lưu trữ")
        parser.add_argument(
            "--redact", metavar="APP.MODEL:ID", help="hồ sơ cần xoá dữ liệu cá nhân, ví dụ cases.child:12"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if actor is None or not getattr(actor, "is_administrator", False):
            raise CommandError("Không có tài khoản quản trị đang hoạt động với tên đăng nhập này.")
        try:
            if options["redact"]:
                label, _, pk = options["redact"].partition(":")
                try:
                    subject = apps.get_model(label)._base_manager.filter(pk=pk).first()
                except (LookupError, ValueError) as exc:
                    raise CommandError(f"Không có loại hồ sơ {label}.") from exc
                if subject is None:
                    raise CommandError(f"Không tìm thấy hồ sơ {options['redact']}.")
                entry = audit_maintain(actor=actor, reason=options["reason"], mode="redact", subject=subject)
            else:
                before = None
                if options["before"]:
                    day = datetime.strptime(options["before"], "%Y-%m-%d").date()  # noqa: DTZ007  (made aware below)
                    before = timezone.make_aware(datetime.combine(day, time.min))
                entry = audit_maintain(actor=actor, reason=options["reason"], mode="purge", before=before)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"{entry.changes['count']} mục nhật ký đã được xử lý (mục ghi nhận #{entry.pk}); "
            f"thời hạn lưu trữ hiện tính đến {timezone.localtime(retention_cutoff()):%d/%m/%Y}."
        )
