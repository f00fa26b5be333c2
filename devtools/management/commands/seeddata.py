"""Synthetic national data for load tests and benchmarks (never for production: it writes invented children).

    DATABASE_URL=postgres://... manage.py migrate && manage.py loadunits && manage.py loaddemo
    DATABASE_URL=postgres://... manage.py seeddata --children 1000000 --cases 100000 [--seed 2026] [--years 3]

It tops the database up to --children children and --cases cases (idempotent: a second run with the same sizes adds
nothing; larger sizes add the difference), spread over the communes of the 2026 list (or of one --province), some
communes much busier than others. Children have Vietnamese names with their diacritics (the folded search column
computed as the application computes it), ages 0–15; each case has its own report (channel, one or two forms of
abuse, environment), a timeline of workflow steps up to its state (statutory steps settled on time or late), a plan
and a review when it got that far, the open deadline of its state (due dates around now), the reminders an hourly
scan would already have sent, and for some cases a referral to an agency of the province with its outcome. A few
reports per hundred cases are new and still in the communes' inboxes. Dates are spread over --years years up to now;
open cases are mostly recent. Each commune has an officer and a chair who work its cases (generated, with no password,
where it has no account of its own). Rows are written with bulk inserts in batches (no save() per row), then ANALYZE.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from array import array
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cases.deadlines import refresh_next_due_of
from cases.models import (
    Case,
    CaseState,
    CaseStep,
    Child,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Plan,
    Reminder,
    ReminderKind,
    Report,
    ReportAbuse,
    ReportChild,
    Review,
    Term,
    TermKind,
)
from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import COMMUNE_STAFF
from childprotect.agencies.models import Agency, AgencyType
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.text import fold
from referrals.models import Consent, OutcomeOption, Referral, ReferralEvent, Urgency

# Frequencies roughly as in the population (Nguyễn ~ 38 %); middle names by sex; given names common in 2010–2026.
FAMILY = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4), ("Vũ", 4),
    ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1),
    ("Trương", 1), ("Mai", 1), ("Lương", 1), ("Hà", 1), ("Lò", 1), ("Giàng", 1), ("Thào", 1),
]  # fmt: skip
MIDDLE_MALE = ["Văn", "Minh", "Đức", "Quốc", "Gia", "Hữu", "Thanh", "Bảo", "Công", "Đình", "Xuân", "Hoàng"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Bảo", "Minh", "Phương", "Khánh", "Thảo", "Mai", "Hoài"]
GIVEN_MALE = [
    "An", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang",
    "Khánh", "Khôi", "Kiên", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
    "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Vũ",
]  # fmt: skip
GIVEN_FEMALE = [
    "An", "Anh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hân", "Hằng", "Hiền", "Hoa", "Hòa", "Hương", "Huyền",
    "Lan", "Linh", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm",
    "Thảo", "Thư", "Thủy", "Trang", "Trinh", "Uyên", "Vân", "Vy", "Yến",
]  # fmt: skip
NICKNAMES = ["Bin", "Bông", "Cún", "Tí", "Tèo", "Bé", "Su", "Na", "Mít", "Xoài"]
FORMS = [("violence", 40), ("neglect", 18), ("sexual_abuse", 14), ("exploitation", 8), ("abandonment", 7),
         ("trafficking", 2), ("other", 5), ("sexual_molestation", 4), ("sexual_intercourse", 2)]  # fmt: skip
ENVIRONMENTS = [("family", 55), ("school", 15), ("community", 18), ("online", 7), ("care_facility", 2), ("other", 3)]
AGENCY_NAMES = {
    AgencyType.POLICE: "Công an {}",
    AgencyType.HEALTH: "Bệnh viện Đa khoa {}",
    AgencyType.SOCIAL_WORK: "Trung tâm Công tác xã hội {}",
    AgencyType.JUSTICE: "Trung tâm Trợ giúp pháp lý nhà nước {}",
}
S = CaseState
# The usual road of a case and, per step, the hours after the previous one (on time, late), the deadline it settles
# (and how long after the previous step that deadline falls due).
ROAD: list[tuple[str, str, str, tuple[float, float], tuple[float, float], float | None]] = [
    ("assess_initial", S.RECEIVED, S.INITIAL_ASSESSED, (1, 6), (6, 9), None),
    ("decide_emergency", S.INITIAL_ASSESSED, S.EMERGENCY_DECIDED, (1, 5), (8, 30), 12),
    ("assess_specific", S.EMERGENCY_DECIDED, S.ASSESSED, (24, 96), (96, 160), None),
    ("draft_plan", S.ASSESSED, S.PLAN_DRAFTED, (24, 150), (170, 300), 7 * 24),
    ("approve_plan", S.PLAN_DRAFTED, S.IMPLEMENTING, (12, 100), (130, 250), 5 * 24),
    ("review", S.IMPLEMENTING, S.REVIEWED, (24 * 20, 24 * 29), (24 * 31, 24 * 45), 30 * 24),
    ("propose_closure", S.REVIEWED, S.CLOSURE_PROPOSED, (24, 240), (240, 480), None),
    ("approve_closure", S.CLOSURE_PROPOSED, S.CLOSED, (24, 120), (120, 400), None),
]
# The open deadline of a case in each state: kind, how long it runs (hours), how long before due the reminder goes.
OPEN_DEADLINE = {
    S.RECEIVED: (DeadlineKind.EMERGENCY, 12, 4),
    S.INITIAL_ASSESSED: (DeadlineKind.EMERGENCY, 12, 4),
    S.EMERGENCY_DECIDED: (DeadlineKind.PLAN, 7 * 24, 48),
    S.ASSESSED: (DeadlineKind.PLAN, 7 * 24, 48),
    S.PLAN_DRAFTED: (DeadlineKind.APPROVAL, 5 * 24, 48),
    S.IMPLEMENTING: (DeadlineKind.REVIEW, 30 * 24, 72),
    S.REVIEWED: (DeadlineKind.PLAN, 7 * 24, 48),
}
BATCH = 5000


def _weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    values, weights = zip(*pairs, strict=True)
    return list(values), list(itertools.accumulate(weights))


class Command(BaseCommand):
    help = "Tạo dữ liệu tổng hợp toàn quốc (trẻ em, thông tin, hồ sơ, bước, thời hạn, chuyển tuyến) để đo hiệu năng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=1_000_000, help="children in total (top-up)")
        parser.add_argument("--cases", type=int, default=100_000, help="cases in total (top-up)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--years", type=int, default=3, help="dates spread over this many years up to now")
        parser.add_argument("--province", default="", help="only the communes of this province, e.g. 2026:38")
        parser.add_argument("--list-version", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        self.now = timezone.now()
        self.years = options["years"]
        communes = AdminUnit.objects.filter(list_version=options["list_version"], level=UnitLevel.COMMUNE)
        if options["province"]:
            version, code = options["province"].split(":")
            communes = communes.filter(parent__list_version=int(version), parent__code=code)
        self.communes = list(communes.order_by("pk").values_list("pk", "parent_id"))
        admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if not self.communes or admin is None:
            raise CommandError("Cần danh mục đơn vị và tài khoản quản trị: chạy loadunits và loaddemo trước.")
        self.admin: User = admin
        scope = [pk for pk, _ in self.communes]
        self.province_of = dict(self.communes)
        have_children = Child.all_objects.filter(residence_unit__in=scope).count()
        have_cases = Case.all_objects.filter(unit__in=scope).count()
        # A second run continues the same random stream where the first one stopped (not the same rows again).
        self.rng = random.Random(f"{options['seed']}:{have_children}:{have_cases}")  # noqa: S311  (synthetic data)
        rng = self.rng
        # Some communes are far busier than others (a city ward against a mountain commune): a skewed weight each.
        weights = [rng.lognormvariate(0, 0.8) for _ in self.communes]
        self.cum_weights = list(itertools.accumulate(weights))
        self.families, self.family_w = _weighted(FAMILY)
        self.forms, self.forms_w = _weighted(FORMS)
        self.envs, self.envs_w = _weighted(ENVIRONMENTS)
        self.channels = list(Term.objects.filter(kind=TermKind.CHANNEL).values_list("pk", flat=True))
        ethnicities = list(Term.objects.filter(kind=TermKind.ETHNICITY).order_by("sort_order", "pk"))
        self.kinh = next((t.pk for t in ethnicities if fold(t.label) == "kinh"), None)
        self.ethnicities = [t.pk for t in ethnicities]
        if not self.channels:
            raise CommandError("Thiếu danh mục kênh tiếp nhận (migrate).")
        # Who works on the cases of a commune: its officer and chair, as in every commune that uses the system. A
        # commune without them gets a generated pair (no password: nobody signs in as them), else the cases' officer
        # would be someone not of the commune, and every open case would wait to be handed over ("departed").
        self.officer: dict[int, User] = {}
        self.chair: dict[int, User] = {}
        self._staff(scope)

        self.stdout.write(
            f"{connection.vendor}: {len(self.communes)} xã/phường; có {have_children:,} trẻ em, {have_cases:,} hồ sơ"
        )
        missing = options["children"] - have_children
        if missing > 0:
            took = time.perf_counter()
            self._children(missing)
            self.stdout.write(f"  {missing:,} trẻ em: {time.perf_counter() - took:.1f} s")
        missing = options["cases"] - have_cases
        if missing > 0:
            took = time.perf_counter()
            self._agencies()
            counts = self._cases(missing, scope)
            self.stdout.write(
                f"  {missing:,} hồ sơ: {time.perf_counter() - took:.1f} s ("
                + ", ".join(f"{n:,} {name}" for name, n in counts.items())
                + ")"
            )
        if connection.vendor == "postgresql":
            took = time.perf_counter()
            with connection.cursor() as cursor:
                # Statistics and the visibility map, as autovacuum would leave them; inside a transaction (a test),
                # where VACUUM cannot run, the statistics only.
                command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                cursor.execute(command)
            self.stdout.write(f"  {command}: {time.perf_counter() - took:.1f} s")
        self.stdout.write(
            f"Xong trong {time.perf_counter() - began:.1f} s: {Child.objects.count():,} trẻ em, "
            f"{Report.objects.count():,} thông tin, {Case.objects.count():,} hồ sơ, "
            f"{CaseStep.objects.count():,} bước, {Deadline.objects.filter(status='open').count():,} thời hạn đang chờ, "
            f"{Referral.objects.count():,} chuyển tuyến"
        )

    # --- children ------------------------------------------------------------------------------------------------

    def _name(self) -> tuple[str, str]:
        rng = self.rng
        sex = "male" if rng.random() < 0.51 else "female"
        family = rng.choices(self.families, cum_weights=self.family_w)[0]
        if sex == "male":
            name = f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
        else:
            name = f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"
        return name, sex

    def _children(self, count: int) -> None:
        rng, year = self.rng, timezone.localdate().year
        units = [pk for pk, _ in self.communes]
        for first in range(0, count, BATCH):
            rows = []
            for _ in range(min(BATCH, count - first)):
                name, sex = self._name()
                other = rng.choice(NICKNAMES) if rng.random() < 0.05 else ""
                rows.append(
                    Child(
                        full_name=name,
                        name_folded=fold(name),
                        other_names=other,
                        other_names_folded=fold(other),
                        birth_year=year - rng.randint(0, 15),
                        birth_year_estimated=rng.random() < 0.03,
                        sex=sex,
                        ethnicity_id=self.kinh
                        if rng.random() < 0.85 or not self.ethnicities
                        else rng.choice(self.ethnicities),
                        residence_unit_id=rng.choices(units, cum_weights=self.cum_weights)[0],
                        created_by=self.admin,
                    )
                )
            with transaction.atomic():
                Child.objects.bulk_create(rows)

    # --- agencies ------------------------------------------------------------------------------------------------

    def _agencies(self) -> None:
        provinces = AdminUnit.objects.filter(pk__in=set(self.province_of.values()))
        have = set(Agency.objects.values_list("unit_id", "name"))
        new = []
        for province in provinces:
            for kind, pattern in AGENCY_NAMES.items():
                name = pattern.format(province.name.removeprefix("Tỉnh ").removeprefix("Thành phố "))
                if (province.pk, name) not in have:
                    new.append(Agency(name=name, name_folded=fold(name), agency_type=kind, unit=province))
        Agency.objects.bulk_create(new)
        self.agencies: dict[int, list[Agency]] = {}
        for agency in Agency.objects.filter(unit__in=provinces, is_active=True):
            self.agencies.setdefault(agency.unit_id, []).append(agency)
        self.outcomes: dict[str, list[int]] = {}
        for option in OutcomeOption.objects.filter(is_active=True):
            self.outcomes.setdefault(option.agency_type, []).append(option.pk)

    # --- reports and cases ---------------------------------------------------------------------------------------

    def _cases(self, count: int, scope: list[int]) -> dict[str, int]:
        """`count` cases on children already in the registry (a child may have several), plus the new reports."""
        ids, units = array("q"), array("q")
        for pk, unit_id in (
            Child.objects.filter(residence_unit__in=scope)
            .values_list("pk", "residence_unit_id")
            .iterator(chunk_size=20000)
        ):
            ids.append(pk)
            units.append(unit_id)
        if not ids:
            raise CommandError("Chưa có trẻ em nào để lập hồ sơ (--children).")
        totals: dict[str, int] = {}
        for first in range(0, count, BATCH):
            size = min(BATCH, count - first)
            with transaction.atomic():
                made = self._case_batch(size, ids, units, first)
            for key, n in made.items():
                totals[key] = totals.get(key, 0) + n
        return totals

    def _received(self, will_close: bool) -> dt.datetime:
        rng, span = self.rng, self.years * 365.0
        days = rng.uniform(0, span) if will_close else min(rng.expovariate(1 / 45), span)
        return self.now - dt.timedelta(days=days, hours=1)

    def _case_batch(self, size: int, ids: array[int], units: array[int], first: int) -> dict[str, int]:
        rng, now = self.rng, self.now
        stamp = now.strftime("%y%m%d%H%M")
        picks = [rng.randrange(len(ids)) for _ in range(size)]
        # A few new reports per hundred cases: still in the inbox, no case yet.
        inbox = [rng.randrange(len(ids)) for _ in range(max(1, size // 40))]
        plans_state: list[dict[str, Any]] = []
        reports: list[Report] = []
        for n, i in enumerate(picks + inbox):
            is_case = n < size
            will_close = is_case and rng.random() < 0.7
            received = self._received(will_close) if is_case else now - dt.timedelta(hours=rng.uniform(0.5, 72))
            road: list[tuple[Any, dt.datetime, dt.datetime | None, bool | None]] = []
            if is_case:
                at, target = received, len(ROAD) if will_close else rng.randint(0, len(ROAD) - 1)
                for step in ROAD[:target]:
                    late = rng.random() < 0.18
                    lo, hi = step[4] if late else step[3]
                    previous = at
                    at = at + dt.timedelta(hours=rng.uniform(lo, hi))
                    if at >= now - dt.timedelta(minutes=30):
                        break
                    due = previous + dt.timedelta(hours=step[5]) if step[5] else None
                    road.append((step, at, due, (at <= due) if due else None))
            plans_state.append({"unit": units[i], "child": ids[i], "received": received, "road": road, "case": is_case})
            reports.append(
                Report(
                    reference=f"SD{stamp}-{first + n:07d}",
                    report_type=rng.choices(["thong_tin", "thong_bao", "to_giac"], cum_weights=[50, 85, 100])[0],
                    channel_id=rng.choice(self.channels),
                    received_at=received,
                    received_by=self.officer.get(units[i], self.admin),
                    reporter_anonymous=rng.random() < 0.2,
                    description="Dữ liệu tổng hợp (seeddata): nội dung sự việc được mô tả ngắn gọn.",
                    environment=rng.choices(self.envs, cum_weights=self.envs_w)[0],
                    incident_date=timezone.localtime(received).date() - dt.timedelta(days=rng.randint(0, 5)),
                    incident_unit_id=units[i],
                    injury=rng.random() < 0.15,
                    ongoing_danger=rng.random() < 0.08,
                    carer_is_perpetrator=rng.random() < 0.25,
                    status=("closed" if road and road[-1][0][2] == S.CLOSED else "handling") if is_case else "received",
                )
            )
        reports = Report.objects.bulk_create(reports)
        ReportChild.objects.bulk_create(
            [ReportChild(report=r, child_id=p["child"]) for r, p in zip(reports, plans_state, strict=True)]
        )
        abuse = []
        for r in reports:
            forms = {
                rng.choices(self.forms, cum_weights=self.forms_w)[0] for _ in range(1 if rng.random() < 0.8 else 2)
            }
            abuse += [ReportAbuse(report=r, form=f) for f in forms]
        ReportAbuse.objects.bulk_create(abuse)
        cases = Case.objects.bulk_create(
            [
                Case(
                    report=r,
                    child_id=p["child"],
                    state=p["road"][-1][0][2] if p["road"] else S.RECEIVED,
                    level=rng.choices(["prevention", "support", "intervention"], cum_weights=[20, 70, 100])[0],
                    officer=self.officer.get(p["unit"], self.admin),
                    unit_id=p["unit"],
                    closed_at=p["road"][-1][1] if p["road"] and p["road"][-1][0][2] == S.CLOSED else None,
                )
                for r, p in zip(reports, plans_state, strict=True)
                if p["case"]
            ]
        )
        # opened_at is auto_now_add: set it to the report's moment (one UPDATE for the batch).
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(
            opened_at=Subquery(Report.objects.filter(pk=OuterRef("report_id")).values("received_at")[:1])
        )
        steps, plans, deadlines = [], [], []
        referrals: list[Referral] = []
        reviews: list[tuple[Case, dt.datetime]] = []
        for case, p in zip(cases, plans_state, strict=False):
            officer = self.officer.get(p["unit"], self.admin)
            chair = self.chair.get(p["unit"], self.admin)
            for step, at, due, on_time in p["road"]:
                steps.append(
                    CaseStep(
                        case=case, action=step[0], from_state=step[1], to_state=step[2],
                        actor=chair if step[0] in ("decide_emergency", "approve_plan", "approve_closure") else officer,
                        at=at, record={}, deadline_due=due, on_time=on_time,
                    )
                )  # fmt: skip
            reached = {step[0]: at for step, at, _, _ in p["road"]}
            if "draft_plan" in reached:
                drafted = reached["draft_plan"]
                approved = reached.get("approve_plan")
                plans.append(
                    Plan(
                        case=case, number=1, status="approved" if approved else "submitted",
                        goals="Bảo đảm an toàn, hỗ trợ tâm lý và học tập cho trẻ.", drafted_by=officer,
                        drafted_at=drafted, end_date=timezone.localtime(drafted).date() + dt.timedelta(days=90),
                        approved_by=chair if approved else None, approved_at=approved,
                    )
                )  # fmt: skip
                if "review" in reached:
                    reviews.append((case, reached["review"]))
            kind_hours = None if case.state in (S.CLOSED, S.CLOSURE_PROPOSED) else OPEN_DEADLINE[S(case.state)]
            if kind_hours is not None:
                kind, hours, before = kind_hours
                last = p["road"][-1][1] if p["road"] else p["received"]
                if kind == DeadlineKind.REVIEW:  # reviews come round every 30 days: the current round
                    last = now - dt.timedelta(hours=rng.uniform(0, hours + 72))
                due = last + dt.timedelta(hours=hours)
                deadlines.append(
                    Deadline(
                        case=case, kind=kind, started_at=last, due_at=due,
                        remind_at=due - dt.timedelta(hours=before), status=DeadlineStatus.OPEN,
                    )
                )  # fmt: skip
            if "decide_emergency" in reached and rng.random() < 0.2:
                referral = self._referral(case, p, reached["decide_emergency"], officer)
                if referral is not None:
                    referrals.append(referral)
        CaseStep.objects.bulk_create(steps)
        plans = Plan.objects.bulk_create(plans)
        plan_of = {plan.case_id: plan for plan in plans}
        Review.objects.bulk_create(
            [
                Review(
                    case=case, plan=plan_of[case.pk], at=at, by=self.officer.get(case.unit_id, self.admin),
                    harm_level=(harm := rng.choice(["high", "medium", "low"])), harm_severity=harm,
                    abuser_access=rng.choice(["medium", "low"]), care_obstacles=rng.choice(["medium", "low"]),
                    self_protection=rng.choice(["medium", "low"]), recovery_level=rng.choice(["high", "medium"]),
                    care_environment="Gia đình đã ổn định hơn.",
                    recovery="Trẻ hồi phục dần.", risk_remains=rng.random() < 0.4, child_stable=rng.random() < 0.6,
                )
                for case, at in reviews
            ]
        )  # fmt: skip
        deadlines = Deadline.objects.bulk_create(deadlines)
        refresh_next_due_of(Case.all_objects.filter(pk__in=[d.case_id for d in deadlines]))
        # The reminders an hourly scan has already sent: the scan timed later finds only the last hour's work.
        sent_before = now - dt.timedelta(hours=1)
        reminders = []
        for d in deadlines:
            if d.remind_at <= sent_before:
                reminders.append(Reminder(deadline=d, kind=ReminderKind.DUE_SOON, sent_at=d.remind_at))
            if d.due_at <= sent_before:
                reminders.append(Reminder(deadline=d, kind=ReminderKind.OVERDUE, sent_at=d.due_at))
        Reminder.objects.bulk_create(reminders)
        referrals = Referral.objects.bulk_create(referrals)
        ReferralEvent.objects.bulk_create(
            [
                ReferralEvent(referral=r, action="send", from_status="draft", to_status="sent", actor=r.sent_by,
                              at=r.sent_at)
                for r in referrals
                if r.sent_at
            ]
            + [
                ReferralEvent(referral=r, action="complete", from_status="in_progress", to_status="completed",
                              actor=None, at=r.completed_at, on_behalf=True)
                for r in referrals
                if r.completed_at
            ]
        )  # fmt: skip
        return {
            "thông tin": len(reports),
            "bước": len(steps),
            "kế hoạch": len(plans),
            "rà soát": len(reviews),
            "thời hạn đang chờ": len(deadlines),
            "nhắc việc đã gửi": len(reminders),
            "chuyển tuyến": len(referrals),
        }

    def _staff(self, scope: list[int]) -> None:
        """An active officer and chair of each commune in `scope`: those it has, a generated one where it has none."""
        for user in User.objects.filter(unit__in=scope, is_active=True, role__in=COMMUNE_STAFF).order_by("pk"):
            (self.officer if user.role == Role.COMMUNE_OFFICER else self.chair).setdefault(user.unit_id or 0, user)
        names = dict(AdminUnit.objects.filter(pk__in=scope).values_list("pk", "name"))
        password = make_password(None)  # unusable
        made = [
            User(
                username=f"seed-{prefix}-{unit}",
                role=role,
                unit_id=unit,
                full_name=f"{label} {names[unit]}",
                password=password,
            )
            for role, prefix, label, have in (
                (Role.COMMUNE_OFFICER, "cb", "Cán bộ", self.officer),
                (Role.COMMUNE_CHAIR, "ct", "Chủ tịch", self.chair),
            )
            for unit in scope
            if unit not in have
        ]
        User.objects.bulk_create(made, batch_size=5000, ignore_conflicts=True)
        for user in User.objects.filter(username__startswith="seed-", unit__in=scope, is_active=True):
            (self.officer if user.role == Role.COMMUNE_OFFICER else self.chair).setdefault(user.unit_id or 0, user)
        if made:
            self.stdout.write(f"  {len(made):,} tài khoản cán bộ, chủ tịch xã/phường (không mật khẩu)")

    def _referral(self, case: Case, p: dict[str, Any], after: dt.datetime, officer: User) -> Referral | None:
        rng, now = self.rng, self.now
        agencies = self.agencies.get(self.province_of[p["unit"]], [])
        if not agencies:
            return None
        agency = rng.choice(agencies)
        created = after + dt.timedelta(hours=rng.uniform(1, 48))
        if created >= now:
            return None
        sent = created + dt.timedelta(hours=rng.uniform(0, 4))
        responded = sent + dt.timedelta(hours=rng.uniform(2, 72))
        completed = responded + dt.timedelta(days=rng.uniform(3, 40))
        outcomes = self.outcomes.get(agency.agency_type, [])
        if completed < now and outcomes and rng.random() < 0.8:
            status, outcome = "completed", rng.choice(outcomes)
        else:
            status, outcome, completed = ("in_progress" if responded < now else "sent"), None, None  # type: ignore[assignment]
        return Referral(
            case=case,
            agency=agency,
            status=status,
            urgency=Urgency.URGENT if rng.random() < 0.3 else Urgency.NORMAL,
            services_requested="Khám sức khỏe, hỗ trợ tâm lý, tư vấn pháp lý cho trẻ và gia đình.",
            child_consent=Consent.GIVEN,
            carer_consent=rng.choice([Consent.GIVEN, Consent.GIVEN, Consent.NOT_APPLICABLE]),
            created_by=officer,
            created_at=created,
            sent_by=officer,
            sent_at=sent,
            responded_at=responded if responded < now else None,
            completed_at=completed,
            outcome_id=outcome,
            actions_taken="Đã tiếp nhận và xử lý theo đề nghị." if outcome else "",
        )
