"""Benchmarks at scale on the data of `seeddata` (prints figures; never a pass or fail on time).

    DATABASE_URL=postgres://... manage.py seeddata --children 1000000 --cases 100000
    DATABASE_URL=postgres://... manage.py benchmark lists [--runs 20] [--heavy-runs 5] [--markdown]

Each measurement runs several times after one warm-up run; the table gives the median and the 95th percentile (nearest
rank) in milliseconds, the SQL queries of one run, the target and whether the median and p95 meet it. Pages (lists,
search, case page, inbox) are timed end to end through Django's test client as the demo users (`loaddemo`): URL
routing, middleware, sessions, permission checks, selectors, template rendering; no network or web server. The rest
calls the application's own functions: the reminder scan (in a transaction rolled back after each run, so every run
finds the same work), the report figures, the report PDF, the registry import (its rows removed afterwards) and the
export of 10,000 cases. Nothing it does stays in the database.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from cases import selectors
from cases.models import Case, Child
from cases.resources import CaseExportResource
from cases.services.casework import deadlines_scan
from childprotect.accounts.models import User
from childprotect.audit.actions import ChildAction
from childprotect.audit.models import AuditEntry
from childprotect.audit.services import audit_maintain
from childprotect.places.models import AdminUnit, UnitLevel
from reporting import indicators
from reporting.models import PeriodicReport
from reporting.periods import Period, last_closed_period
from reporting.services import figures_for


class Rollback(Exception):
    """Raised to undo what a measured run wrote."""


@dataclass
class Result:
    name: str
    times: list[float]  # ms
    queries: int
    target_ms: float | None = None
    rows: int = 0  # for rates: rows per run
    min_rate: float | None = None  # rows per second

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]  # nearest rank

    @property
    def target(self) -> str:
        if self.min_rate is not None:
            return f"≥ {self.min_rate:,.0f} rows/s"
        if self.target_ms is None:
            return "–"
        return f"p95 ≤ {self.target_ms / 1000:g} s" if self.target_ms >= 1000 else f"p95 ≤ {self.target_ms:g} ms"

    @property
    def rate(self) -> str:
        return f"{self.rows / (self.median / 1000):,.0f} rows/s" if self.rows else ""

    @property
    def met(self) -> str:
        if self.min_rate is not None:
            return "yes" if self.rows / (self.p95 / 1000) >= self.min_rate else "NO"
        if self.target_ms is None:
            return "–"
        return "yes" if self.p95 <= self.target_ms else "NO"


class Command(BaseCommand):
    help = "Đo hiệu năng trên dữ liệu tổng hợp (seeddata): in bảng trung vị, p95, số truy vấn và mục tiêu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=20, help="runs of each page measurement")
        parser.add_argument("--heavy-runs", type=int, default=5, help="runs of the scan, reports, PDF, import, export")
        parser.add_argument("--import-rows", type=int, default=10000)
        parser.add_argument("--export-rows", type=int, default=10000)
        parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
        parser.add_argument(
            "--only", default="", help="comma-separated words: run only measurements whose name has one"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = {u.username: u for u in User.objects.select_related("unit").filter(is_active=True)}
        for needed in ("officer_a", "supervisor", "admin"):
            if needed not in users:
                raise CommandError("Cần dữ liệu mẫu (loaddemo) và dữ liệu tổng hợp (seeddata).")
        self.results: list[Result] = []
        self.only = [w.strip().lower() for w in options["only"].split(",") if w.strip()]
        runs, heavy = options["runs"], options["heavy_runs"]
        officer, supervisor, admin = users["officer_a"], users["supervisor"], users["admin"]
        province = supervisor.unit
        if province is None:
            raise CommandError("Tài khoản supervisor cần có đơn vị (tỉnh).")
        self.stdout.write(
            f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}: "  # type: ignore[attr-defined]
            f"{Child.objects.count():,} children, {Case.objects.count():,} cases; "
            f"{province.name}: {Case.objects.filter(unit__parent=province).count():,} cases; "
            f"{officer.unit}: {Case.objects.filter(unit=officer.unit).count():,} cases"
        )
        host = (settings.ALLOWED_HOSTS or ["127.0.0.1"])[0].lstrip(".").replace("*", "127.0.0.1")
        clients = {}
        for user in (officer, supervisor, admin):
            client = Client(HTTP_HOST=host)
            client.force_login(user)
            clients[user.username] = client

        def page(who: str, url: str) -> Callable[[], object]:
            def get() -> None:
                response = clients[who].get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url} as {who}: HTTP {response.status_code}")
                _ = response.content

            return get

        state_filter = "implementing"
        filtered = selectors.cases_list(supervisor, selectors.CaseFilters(state=state_filter)).count()
        last = max(1, -(-filtered // 25))
        self._measure(f"Case list, province supervisor, state={state_filter}, page 1 ({filtered:,} cases)", runs,
                      page("supervisor", f"/cases/?state={state_filter}"), 150)  # fmt: skip
        self._measure(f"Case list, province supervisor, state={state_filter}, last page ({last})", runs,
                      page("supervisor", f"/cases/?state={state_filter}&page={last}"), 150)  # fmt: skip
        self._measure("Case list, province supervisor, no filter, page 1", runs, page("supervisor", "/cases/"), 150)
        self._measure("Case list, province supervisor, no filter, page 100", runs,
                      page("supervisor", "/cases/?page=100"), 150)  # fmt: skip
        for who, query in (("supervisor", "nguyen van an"), ("supervisor", "tran thi thuy"), ("admin", "le minh khoi")):
            self._measure(f"Name search '{query}', {who} ({'province' if who == 'supervisor' else 'national'})", runs,
                          page(who, f"/children/?q={query.replace(' ', '+')}"), 150)  # fmt: skip
        # The officer's cases with the longest timelines (the heaviest case pages), visited in turn.
        busy = list(
            Case.objects.filter(unit=officer.unit)
            .annotate(n=Count("steps"))
            .order_by("-n", "-pk")
            .values_list("pk", flat=True)[:10]
        )
        if busy:
            turn = iter(range(10**9))
            self._measure("Case page (commune officer, longest timelines)", runs,
                          lambda: page("officer_a", f"/cases/{busy[next(turn) % len(busy)]}/")(), 100)  # fmt: skip
        self._measure("Commune inbox (home page, commune officer)", runs, page("officer_a", "/"), 150)
        self._measure("Province dashboard (home page, supervisor)", runs, page("supervisor", "/"), None)
        open_deadlines = Case.objects.exclude(state="closed").count()
        self._measure(f"Reminder scan over all open deadlines ({open_deadlines:,} open cases), rolled back", heavy,
                      self._rolled_back(lambda: deadlines_scan()), 5000)  # fmt: skip
        today = timezone.localdate()
        half, year = last_closed_period("semiannual", today), last_closed_period("annual", today)
        province_ids = list(
            AdminUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE).values_list("pk", flat=True)
        )
        all_ids = list(
            AdminUnit.objects.filter(level=UnitLevel.COMMUNE, list_version=province.list_version).values_list(
                "pk", flat=True
            )
        )
        self._measure(f"Province 6-month report figures ({half.label}, {len(province_ids)} communes)", heavy,
                      lambda: indicators.compute_all(province_ids, half), 1000)  # fmt: skip
        self._measure(f"National annual report figures ({year.label}, {len(all_ids):,} communes)", heavy,
                      lambda: indicators.compute_all(all_ids, year), 5000)  # fmt: skip
        if self._wanted("pdf"):
            self._pdf(province, half, supervisor, heavy)
        if self._wanted("import"):
            self._import(supervisor, heavy, options["import_rows"])
        if self._wanted("export"):
            self._export(admin, heavy, options["export_rows"])
        self._table(options["markdown"])

    # --- measuring -----------------------------------------------------------------------------------------------

    def _wanted(self, name: str) -> bool:
        return not self.only or any(word in name.lower() for word in self.only)

    def _measure(
        self,
        name: str,
        runs: int,
        fn: Callable[[], object],
        target_ms: float | None,
        *,
        rows: int = 0,
        min_rate: float | None = None,
        after: Callable[[], object] | None = None,
    ) -> None:
        if not self._wanted(name):
            return
        count = [0]

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        times: list[float] = []
        queries = 0
        for run in range(runs + 1):  # run 0 warms caches and is not counted
            count[0] = 0
            with connection.execute_wrapper(counted):
                began = time.perf_counter()
                fn()
                took = (time.perf_counter() - began) * 1000
            if after is not None:
                after()
            if run:
                times.append(took)
                queries = count[0]
        result = Result(name, times, queries, target_ms, rows, min_rate)
        self.results.append(result)
        self.stderr.write(f"  {name}: median {result.median:.1f} ms, p95 {result.p95:.1f} ms, {queries} queries")

    def _rolled_back(self, fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> None:
            try:
                with transaction.atomic():
                    fn()
                    raise Rollback
            except Rollback:
                pass

        return run

    def _pdf(self, province: AdminUnit, period: Period, actor: User, runs: int) -> None:
        """The province report as sent up from its communes (written, rendered, then rolled back)."""
        from reporting.output import report_pdf_bytes

        try:
            with transaction.atomic():
                now = timezone.now()
                fields = PeriodicReport.period_fields(period.kind, period.year)
                communes = list(AdminUnit.objects.filter(parent=province))
                PeriodicReport.objects.filter(
                    kind=period.kind, year=period.year, unit__in=[province, *communes]
                ).delete()
                PeriodicReport.objects.bulk_create(
                    [
                        PeriodicReport(unit=u, kind=period.kind, year=period.year, status="submitted",
                                       figures=figures_for(u, period), prepared_by=actor, created_at=now,
                                       computed_at=now, **fields)
                        for u in communes
                    ]
                )  # fmt: skip
                report = PeriodicReport.objects.create(
                    unit=province, kind=period.kind, year=period.year, figures=figures_for(province, period),
                    prepared_by=actor, created_at=now, computed_at=now, **fields,
                )  # fmt: skip
                self._measure(f"Province report PDF render ({period.label})", runs,
                              lambda: report_pdf_bytes(report), 1000)  # fmt: skip
                raise Rollback
        except Rollback:
            pass

    def _import(self, actor: User, runs: int, rows: int) -> None:
        from childprotect.celery import app as celery_app
        from childprotect.core.imports import job_confirm, job_create
        from childprotect.core.models import ImportStatus

        communes = list(AdminUnit.objects.filter(parent=actor.unit).values_list("code", flat=True))
        content = _registry_csv(rows, communes, random.Random(7))  # noqa: S311  (synthetic data)
        celery_app.conf.task_always_eager = True  # the check and the import run here, where they are timed

        def run() -> None:
            job = job_create(actor=actor, kind="children", filename="bench.csv", content=content)
            job.refresh_from_db()
            job_confirm(actor=actor, job=job)
            job.refresh_from_db()
            if job.status != ImportStatus.DONE:
                raise CommandError(f"Import {job.status}: {job.plan.get('message') or job.plan}")

        def clean() -> None:
            with transaction.atomic():
                ids = list(Child.objects.filter(created_by=actor, notes="bench").values_list("pk", flat=True))
                entries = AuditEntry.objects.filter(action=ChildAction.IMPORT, object_id__in=[str(i) for i in ids])
                ids_ = list(entries.values_list("id", flat=True))
                audit_maintain(actor=actor, reason="bench: the run's own entries", mode="purge", entries=ids_)
                Child.objects.filter(pk__in=ids).delete()

        self._measure(f"Registry import, {rows:,} rows CSV (check + confirmed import)", runs, run, None,
                      rows=rows, min_rate=5000, after=clean)  # fmt: skip

    def _export(self, admin: User, runs: int, rows: int) -> None:
        cutoff = Case.objects.order_by("pk").values_list("pk", flat=True)[rows - 1 : rows].first()
        if cutoff is None:
            return
        queryset = selectors.cases_list(admin, selectors.CaseFilters()).filter(pk__lte=cutoff)
        for fmt in ("xlsx", "csv"):

            def run(fmt: str = fmt) -> None:
                maker = CaseExportResource(user=admin, protected=False)
                if fmt == "csv":
                    for _chunk in maker.csv_chunks(queryset, protected=False):
                        pass
                else:
                    with tempfile.TemporaryFile() as handle:
                        maker.xlsx_write(handle, queryset, protected=False, title="bench")

            self._measure(f"Export of {rows:,} cases ({fmt.upper()})", runs, run, None, rows=rows)

    # --- output --------------------------------------------------------------------------------------------------

    def _table(self, markdown: bool) -> None:
        header = ["Measurement", "Median ms", "p95 ms", "Queries", "Rate (median)", "Target", "Met"]
        rows = [
            [r.name, f"{r.median:,.1f}", f"{r.p95:,.1f}", str(r.queries), r.rate, r.target, r.met] for r in self.results
        ]
        if markdown:
            self.stdout.write("| " + " | ".join(header) + " |")
            self.stdout.write("|" + "|".join(["---", "--:", "--:", "--:", "--:", "---", "---"]) + "|")
            for row in rows:
                self.stdout.write("| " + " | ".join(row) + " |")
            return
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
        for row in [header, *rows]:
            self.stdout.write("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def _registry_csv(rows: int, communes: list[str], rng: random.Random) -> bytes:
    """A children's registry in the import template's columns, spread over the communes (codes)."""
    import csv
    import io

    from devtools.management.commands.seeddata import GIVEN_FEMALE, GIVEN_MALE, MIDDLE_MALE

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Mã xã", "Người chăm sóc",
                     "Điện thoại người chăm sóc", "Ghi chú"])  # fmt: skip
    for i in range(rows):
        male = rng.random() < 0.5
        given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
        writer.writerow(
            [
                f"{rng.choice(['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng'])} {'Văn' if male else 'Thị'} {given} {i}",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2011, 2025)}",
                "Nam" if male else "Nữ",
                "Kinh",
                rng.choice(communes),
                f"{rng.choice(['Nguyễn', 'Trần', 'Lê'])} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}",
                f"09{rng.randint(10000000, 99999999)}",
                "bench",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
