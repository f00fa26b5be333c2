"""Benchmark of the periodic reports at scale (prints figures; asserts nothing).

    DATABASE_URL=postgres://... manage.py migrate && manage.py loadunits && manage.py loaddemo
    DATABASE_URL=postgres://... manage.py benchreports --cases 50000

It tops the demo province (Thanh Hóa, 166 communes) up to --cases synthetic cases received in the 6-month period of
--year (children, reports with their forms of abuse, cases, approved plans, closures and on-time steps, written with
bulk inserts), then times, as the province supervisor would meet them: computing one commune's report, computing
every commune's report, summing them into the province report, computing the province directly over all its
communes, and rendering the province report's official PDF. Run it twice: the second run measures on the same data.
With --moved N, N of those cases move to the next commune in the middle of the period first (CaseCustody, as a
transfer writes it), so that the figures count them where they were; the moves are rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, CaseStep, Child, Plan, Report, ReportAbuse, ReportChild, Term, TermKind
from childprotect.accounts.models import Role, User
from childprotect.places.models import AdminUnit
from reporting import indicators
from reporting.models import PeriodicReport
from reporting.periods import period_for
from reporting.services import figures_for

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Thu Hà", "Hoàng Gia Bảo", "Vũ Ngọc Lan"]
FORMS = ["violence", "neglect", "sexual_abuse", "exploitation", "abandonment"]
ENVIRONMENTS = ["family", "school", "community", "online", "care_facility", "other"]


class Command(BaseCommand):
    help = "Time the province's periodic report (figures and PDF) on synthetic cases; prints figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=20000, help="synthetic cases in the province (top-up)")
        parser.add_argument("--province", default="2026:38")
        parser.add_argument("--year", type=int, default=2026)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--moved", type=int, default=0, help="cases moved mid-period first (rolled back)")

    def handle(self, *args: Any, **options: Any) -> None:
        list_version, code = options["province"].split(":")
        province = AdminUnit.objects.filter(list_version=int(list_version), code=code).first()
        actor = User.objects.filter(role=Role.SUPERVISOR, unit=province, is_active=True).first()
        if province is None or actor is None:
            raise CommandError("Cần nạp danh mục đơn vị và dữ liệu mẫu trước (make run, hoặc loadunits && loaddemo).")
        period = period_for("semiannual", options["year"])
        communes = list(AdminUnit.objects.filter(parent=province).order_by("code"))
        made = self._top_up(communes, period, options["cases"], actor, random.Random(options["seed"]))  # noqa: S311  (synthetic data)
        if made and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics after bulk inserts, as autovacuum would give in a while
        with transaction.atomic():
            if options["moved"]:
                self._move(communes, period, options["moved"])
            self._measure(province, communes, period, actor, made)
            transaction.set_rollback(True)  # the moves and the reports written for the measurement

    def _move(self, communes: list[AdminUnit], period: Any, n: int) -> None:
        """`n` cases of the period move to the next commune (in code order) in the middle of the period."""
        from cases.custody import custody_move

        start, stop = period.bounds()
        at = start + (stop - start) / 2
        ids = [u.pk for u in communes]
        cases = list(
            Case.objects.filter(unit_id__in=ids, report__received_at__gte=start, report__received_at__lt=at).order_by(
                "pk"
            )[:n]
        )
        for case in cases:
            to = communes[(ids.index(case.unit_id) + 1) % len(communes)]
            custody_move(case, to, at)
            Case.objects.filter(pk=case.pk).update(unit=to)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE cases_casecustody")
        self.stdout.write(f"{len(cases)} hồ sơ chuyển sang xã kế tiếp ngày {timezone.localtime(at):%d/%m/%Y}")

    def _measure(self, province: AdminUnit, communes: list[AdminUnit], period: Any, actor: User, made: int) -> None:
        start, stop = period.bounds()
        in_period = Case.objects.filter(
            unit__parent=province, report__received_at__gte=start, report__received_at__lt=stop
        )
        self.stdout.write(
            f"{connection.vendor}: {province.name}, {len(communes)} xã/phường; "
            f"{in_period.count()} hồ sơ trong kỳ {period.label} ({made} vừa tạo)"
        )
        busiest = max(communes, key=lambda u: Case.objects.filter(unit=u).count())
        self._time("một xã (nhiều hồ sơ nhất)", lambda: figures_for(busiest, period))
        all_ids = [u.pk for u in communes]
        self._time("tất cả xã, từng báo cáo", lambda: [indicators.compute_all([pk], period) for pk in all_ids])
        self._time("toàn tỉnh tính trực tiếp", lambda: indicators.compute_all(all_ids, period))
        report = self._province_report(province, communes, period, actor)
        self._time("toàn tỉnh cộng từ báo cáo xã", lambda: figures_for(province, period))

        from reporting.output import report_pdf_bytes

        pdf: list[bytes] = []
        self._time("bản PDF báo cáo tỉnh", lambda: pdf.append(report_pdf_bytes(report)))
        self.stdout.write(f"  PDF: {len(pdf[-1]) // 1024} KB")

    def _time(self, label: str, fn: Any) -> None:
        count = [0]

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            began = time.perf_counter()
            fn()
            took = time.perf_counter() - began
        self.stdout.write(f"  {label}: {took:.2f} s, {count[0]} truy vấn")

    def _province_report(self, province: AdminUnit, communes: list[AdminUnit], period: Any, actor: User) -> Any:
        """Every commune's report frozen as sent (written directly: the benchmark times the figures, not the flow)."""
        now = timezone.now()
        fields = PeriodicReport.period_fields(period.kind, period.year)
        PeriodicReport.objects.filter(kind=period.kind, year=period.year, unit__in=[province, *communes]).delete()
        PeriodicReport.objects.bulk_create(
            [
                PeriodicReport(
                    unit=u,
                    kind=period.kind,
                    year=period.year,
                    status="submitted",
                    figures=figures_for(u, period),
                    prepared_by=actor,
                    created_at=now,
                    computed_at=now,
                    **fields,
                )
                for u in communes
            ]
        )
        return PeriodicReport.objects.create(
            unit=province,
            kind=period.kind,
            year=period.year,
            figures=figures_for(province, period),
            prepared_by=actor,
            created_at=now,
            computed_at=now,
            **fields,
        )

    @transaction.atomic
    def _top_up(self, communes: list[AdminUnit], period: Any, target: int, actor: User, rng: random.Random) -> int:
        start, stop = period.bounds()
        have = Case.objects.filter(
            unit__in=communes, report__received_at__gte=start, report__received_at__lt=stop
        ).count()
        missing = max(0, target - have)
        if not missing:
            return 0
        channels = list(Term.objects.filter(kind=TermKind.CHANNEL))
        ethnicities = list(Term.objects.filter(kind=TermKind.ETHNICITY)[:5])
        span = (stop - start).total_seconds() - 3600
        batch = 5000
        for first in range(0, missing, batch):
            size = min(batch, missing - first)
            units = [rng.choice(communes) for _ in range(size)]
            received = [start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(size)]
            children = Child.objects.bulk_create(
                [
                    Child(
                        full_name=f"{rng.choice(NAMES)} {first + i}",
                        name_folded=f"tre tong hop {first + i}",
                        birth_year=timezone.localtime(received[i]).year - rng.randint(1, 15),
                        sex=rng.choice(["male", "female"]),
                        ethnicity=rng.choice(ethnicities) if ethnicities else None,
                        residence_unit=units[i],
                        created_by=actor,
                    )
                    for i in range(size)
                ]
            )
            reports = Report.objects.bulk_create(
                [
                    Report(
                        reference=f"BENCH-{first + i}",
                        report_type=rng.choice(["thong_tin", "thong_bao", "to_giac"]),
                        channel=rng.choice(channels),
                        received_at=received[i],
                        received_by=actor,
                        description="Dữ liệu tổng hợp cho đo hiệu năng.",
                        environment=rng.choice(ENVIRONMENTS),
                        incident_unit=units[i],
                        status="handling",
                    )
                    for i in range(size)
                ]
            )
            ReportChild.objects.bulk_create(
                [ReportChild(report=r, child=c) for r, c in zip(reports, children, strict=True)]
            )
            ReportAbuse.objects.bulk_create([ReportAbuse(report=r, form=rng.choice(FORMS)) for r in reports])
            cases = Case.objects.bulk_create(
                [
                    Case(report=r, child=c, officer=actor, unit=u, state="implementing", level="support")
                    for r, c, u in zip(reports, children, units, strict=True)
                ]
            )
            steps, plans = [], []
            for case, at in zip(cases, received, strict=True):
                late = rng.random() < 0.2
                steps.append(
                    CaseStep(
                        case=case,
                        action="decide_emergency",
                        from_state="initial_assessed",
                        to_state="emergency_decided",
                        actor=actor,
                        at=at + dt.timedelta(hours=13 if late else 6),
                        deadline_due=at + dt.timedelta(hours=12),
                        on_time=not late,
                    )
                )
                plans.append(
                    Plan(
                        case=case,
                        number=1,
                        status="approved",
                        goals="Hỗ trợ trẻ.",
                        drafted_by=actor,
                        drafted_at=at,
                        end_date=timezone.localtime(at).date() + dt.timedelta(days=60),
                        approved_by=actor,
                        approved_at=min(at + dt.timedelta(days=7), stop - dt.timedelta(hours=1)),
                    )
                )
            CaseStep.objects.bulk_create(steps)
            Plan.objects.bulk_create(plans)
        return missing
