from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from childprotect.places.services import units_load_list


class Command(BaseCommand):
    help = (
        "Nạp danh mục đơn vị hành chính từ tệp CSV kèm theo (mặc định danh mục hiện hành). Chạy lại không thay đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lists", nargs="*", type=int, help="năm của danh mục: 2024, 2025, 2026")
        parser.add_argument("--file", type=Path, help="tệp CSV khác với tệp kèm theo (cùng cột)")

    def handle(self, *args: Any, **options: Any) -> None:
        lists = options["lists"] or [settings.CHILDPROTECT_CURRENT_UNIT_LIST]
        if options["file"] and len(lists) != 1:
            raise CommandError("--file chỉ dùng với đúng một danh mục.")
        for list_version in lists:
            try:
                result = units_load_list(list_version, actor=None, path=options["file"])
            except (ValidationError, OSError) as exc:
                message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                raise CommandError(message) from exc
            self.stdout.write(
                f"Danh mục {list_version}: {result.total} đơn vị "
                f"({result.created} mới, {result.updated} cập nhật, {result.unchanged} không đổi)."
            )
