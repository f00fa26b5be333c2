"""Benchmark of the registry import (prints figures; asserts nothing).

    DATABASE_URL=postgres://... manage.py migrate && manage.py loadunits && manage.py loaddemo
    DATABASE_URL=postgres://... manage.py benchmark import --rows 100000 [--format xlsx] [--keep]

It writes a synthetic children's registry of --rows rows spread over the demo province's communes, then runs the
import as the province supervisor would: the preview (read and check every row) and the confirmed import (read,
check again, bulk insert in one transaction), timing each and both together, printing rows per second and the
process's peak memory. Unless --keep, the imported children are removed afterwards.
"""

from __future__ import annotations

import csv
import io
import random
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cases.models import Child
from childprotect.accounts.models import Role, User
from childprotect.audit.actions import ChildAction
from childprotect.audit.models import AuditEntry
from childprotect.audit.services import audit_maintain
from childprotect.celery import app as celery_app
from childprotect.core.imports import job_confirm, job_create
from childprotect.core.models import ImportStatus
from childprotect.places.models import AdminUnit

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Gia", "Thu", "Đức", "Bảo"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hòa", "Khôi", "Lan", "Mai", "Nam", "Phúc", "Quân", "Thủy", "Vy"]


class Command(BaseCommand):
    help = "Time the preview and the import of a synthetic children's registry; prints rows per second."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100000)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--keep", action="store_true", help="keep the imported children")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username="supervisor", role=Role.SUPERVISOR).first()
        if actor is None or actor.unit is None:
            raise CommandError("Cần dữ liệu mẫu (loaddemo): tài khoản supervisor của tỉnh.")
        communes = list(AdminUnit.objects.filter(parent=actor.unit).values_list("code", flat=True))
        rng = random.Random(options["seed"])  # noqa: S311  (synthetic data)
        began = time.perf_counter()
        content = self._file(options["rows"], communes, rng, options["format"])
        self.stdout.write(
            f"Tệp {options['format']}: {options['rows']} dòng, {len(content) / 1048576:.1f} MB "
            f"(tạo trong {time.perf_counter() - began:.1f} s)"
        )
        celery_app.conf.task_always_eager = True  # the tasks run here, in this process, so that they can be timed
        began = time.perf_counter()
        job = job_create(actor=actor, kind="children", filename=f"bench.{options['format']}", content=content)
        job.refresh_from_db()
        took = checked = time.perf_counter() - began
        self.stdout.write(
            f"  tải lên và xem trước: {took:.1f} s, {options['rows'] / took:,.0f} dòng/giây; "
            f"{job.plan.get('create')} mới, {job.plan.get('skip')} trùng, {job.plan.get('error_count')} lỗi"
        )
        if job.status != ImportStatus.CHECKED:
            raise CommandError(str(job.plan.get("message")))
        before = Child.objects.count()
        began = time.perf_counter()
        job_confirm(actor=actor, job=job)
        took = time.perf_counter() - began
        job.refresh_from_db()
        self.stdout.write(
            f"  xác nhận và nhập: {took:.1f} s, {options['rows'] / took:,.0f} dòng/giây; "
            f"{Child.objects.count() - before} trẻ em được thêm ({job.get_status_display()})"
        )
        self.stdout.write(f"  cả hai bước: {checked + took:.1f} s, {options['rows'] / (checked + took):,.0f} dòng/giây")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"  bộ nhớ đỉnh của tiến trình: {peak:.0f} MB")
        if not options["keep"]:
            with transaction.atomic():
                ids = list(Child.objects.filter(created_by=actor, notes="bench").values_list("pk", flat=True))
                entries = AuditEntry.objects.filter(action=ChildAction.IMPORT, object_id__in=[str(i) for i in ids])
                ids_ = list(entries.values_list("id", flat=True))
                audit_maintain(actor=actor, reason="bench: the run's own entries", mode="purge", entries=ids_)
                Child.objects.filter(pk__in=ids).delete()
            self.stdout.write(f"  đã xoá {len(ids)} trẻ em vừa nhập (dùng --keep để giữ lại)")

    def _file(self, rows: int, communes: list[str], rng: random.Random, fmt: str) -> bytes:
        return synthetic_registry(rows, communes, rng, fmt)


def synthetic_registry(rows: int, communes: list[str], rng: random.Random, fmt: str) -> bytes:
    """A children's registry in the import template's columns (also used by `benchmark load`).

    Every row's note is "bench"."""
    header = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Mã xã", "Người chăm sóc",
              "Điện thoại người chăm sóc", "Ghi chú"]  # fmt: skip
    data = []
    for i in range(rows):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {i}"
        born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2011, 2025)}"
        carer = f"{rng.choice(FAMILY)} Văn {rng.choice(GIVEN)}"
        phone = f"09{rng.randint(10000000, 99999999)}"
        data.append([name, born, rng.choice(["Nam", "Nữ"]), "Kinh", rng.choice(communes), carer, phone, "bench"])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(data)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
