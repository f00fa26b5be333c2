"""The exports of a whole list at scale: time and memory of this one process (prints figures; never a pass or fail).

    DATABASE_URL=postgres://... manage.py benchmark exports [--list cases] [--user admin] [--format csv,xlsx]

CSV: the export view through Django's test client as the user (URL routing, middleware, sessions, the view): the time
to the response's headers and to its first chunk of bytes (the byte order mark and the header line, after the one
COUNT and the audit entry), then the time to read the whole streamed body. XLSX: the task's work, `export_job_run`,
called in this process on a job made for the user (as the request makes it), until the file is stored; then the job,
its file and the measurement's audit entries are removed. Memory is this process's resident set: before, at its peak
during the run (the kernel's high-water mark, reset just before), and after.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client
from django.urls import reverse

from childprotect.accounts.models import User
from childprotect.audit.models import AuditEntry
from childprotect.audit.services import audit_maintain
from childprotect.core.export_jobs import export_job_run
from childprotect.core.models import ExportJob
from childprotect.exports import list_export

URLS = {"children": "cases:child_export", "reports": "cases:report_export", "cases": "cases:case_export",
        "referrals": "referrals:referral_export"}  # fmt: skip
STATUS = Path("/proc/self/status")


def memory() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in kB (Linux)."""
    found = {}
    for line in STATUS.read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def reset_peak() -> int:
    """Reset the high-water mark to the current resident set (Linux: clear_refs 5); the resident set in kB."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    return memory()["VmRSS"]


class Command(BaseCommand):
    help = "Đo thời gian và bộ nhớ khi xuất cả danh sách (CSV qua trang, XLSX qua tác vụ nền)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", default="cases", choices=sorted(URLS))
        parser.add_argument("--user", default="admin", help="the account whose list is exported")
        parser.add_argument("--format", default="csv,xlsx", help="csv, xlsx or both")
        parser.add_argument("--protected", action="store_true", help="with the protected columns (if allowed)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        export = list_export(options["list"])
        if user is None or export is None:
            raise CommandError("Không có tài khoản hoặc danh sách này.")
        formats = [f.strip() for f in options["format"].split(",") if f.strip()]
        first_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        try:
            if "csv" in formats:
                self._csv(user, options["list"], options["protected"])
            if "xlsx" in formats:
                self._xlsx(user, options["list"], options["protected"])
        finally:
            # The measurement's own entries (export.<list>), through the audit log's one maintenance procedure.
            ids = AuditEntry.objects.filter(id__gt=first_entry, actor=user, action=export.action).values_list(
                "id", flat=True
            )
            audit_maintain(actor=user, reason="bench: the measurement's own entries", mode="purge", entries=list(ids))

    def _csv(self, user: User, name: str, protected: bool) -> None:
        host = (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".").replace("*", "127.0.0.1")
        client = Client(HTTP_HOST=host)
        client.force_login(user)
        params = {"format": "csv", "protected": "1" if protected else "0"}
        before = reset_peak()
        start = time.perf_counter()
        response: Any = client.get(reverse(URLS[name]), params)
        headers = time.perf_counter()
        if response.status_code != 200 or not response.streaming:
            raise CommandError(f"CSV: {response.status_code}")
        chunks = iter(response.streaming_content)
        size = len(next(chunks))
        first = time.perf_counter()
        lines = 0
        for chunk in chunks:
            size += len(chunk)
            lines += chunk.count(b"\n")
        end = time.perf_counter()
        after = memory()
        self.stdout.write(
            f"CSV {name} as {user.username}: {lines:,} rows, {size / 1e6:,.1f} MB; "
            f"headers {1000 * (headers - start):,.0f} ms, first byte {1000 * (first - start):,.0f} ms, "
            f"whole body {end - start:,.1f} s "
            f"({lines / (end - start):,.0f} rows/s); RSS before {before / 1024:,.0f} MB, peak growth "
            f"{(after['VmHWM'] - before) / 1024:,.1f} MB, after {(after['VmRSS'] - before) / 1024:+,.1f} MB"
        )

    def _xlsx(self, user: User, name: str, protected: bool) -> None:
        job = ExportJob.objects.create(
            owner=user, list_name=name, params={}, protected=protected, filename=f"{name}-bench.xlsx"
        )
        try:
            before = reset_peak()
            start = time.perf_counter()
            status = export_job_run(job.pk)
            end = time.perf_counter()
            after = memory()
            job.refresh_from_db()
            if status != "done":
                raise CommandError(f"XLSX: {status} {job.error}")
            self.stdout.write(
                f"XLSX {name} as {user.username} (task in this process): {job.rows_done:,} rows, "
                f"{job.size / 1e6:,.1f} MB file; {end - start:,.1f} s ({job.rows_done / (end - start):,.0f} rows/s); "
                f"RSS before {before / 1024:,.0f} MB, peak growth {(after['VmHWM'] - before) / 1024:,.1f} MB, "
                f"after {(after['VmRSS'] - before) / 1024:+,.1f} MB"
            )
        finally:
            if job.file:
                job.file.delete(save=False)
            job.delete()
