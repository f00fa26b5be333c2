from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from childprotect.places.services import units_load_crosswalk


class Command(BaseCommand):
    help = (
        "Nạp bảng đơn vị kế thừa: xã của danh mục 2024 và 2025 sang xã của danh mục 2026 (sau loadunits). "
        "Chạy lại không thay đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, help="tệp CSV khác với tệp kèm theo (cùng cột)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = units_load_crosswalk(actor=None, path=options["file"])
        except (ValidationError, OSError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message) from exc
        self.stdout.write(
            f"Đơn vị kế thừa: {result.total} dòng "
            f"({result.created} mới, {result.updated} cập nhật, {result.unchanged} không đổi)."
        )
        for version in result.skipped:
            self.stdout.write(f"Bỏ qua danh mục {version}: chưa nạp (manage.py loadunits {version}).")
