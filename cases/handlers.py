"""What each step of the statutory procedure does beyond the table (cases/workflow.py `TRANSITIONS`).

A handler gets the `StepContext` of the step (the actor, the locked case as `record`, the form's `data`, `now`) inside
the transaction of `cases.services.case_act`, after the version check and the refusal. It validates (a
`ValidationError` in Vietnamese undoes everything and shows on the form), writes what the step records in its own
models, and returns the record stored on the step's `CaseStep` (the case's event row). The engine then applies the
row's deadlines, moves the state, writes the `CaseStep` and the audit entry (childprotect/workflow.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from childprotect.accounts.models import Role, User
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.places.selectors import successors_of
from childprotect.workflow import StepContext

from . import deadlines as deadline_rules
from .custody import custody_move
from .models import (
    MAU06_CRITERIA,
    RATING_ORDER,
    Case,
    CaseComment,
    CaseTransfer,
    Child,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    EmergencyMeasure,
    Plan,
    PlanActivity,
    PlanStatus,
    Review,
    RiskLevel,
    TransferKind,
    TransferStatus,
)
from .responsible import least_loaded_officer
from .selectors import open_transfer

Step = StepContext[Case]


def start_deadline(case: Case, kind: str, start: dt.datetime, **kwargs: Any) -> Deadline:
    """Open a deadline of `kind` from `start` (`days=`: a working-day limit other than the kind's setting)."""
    due, remind = deadline_rules.compute(kind, start, **kwargs)
    return Deadline.objects.create(case=case, kind=kind, started_at=start, due_at=due, remind_at=remind)


def running_separations(case: Case) -> Any:
    """The temporary separations decided for the case and not yet ended by a decision."""
    return case.emergency_measures.filter(separation=True, ended_on__isnull=True)


@dataclass(frozen=True)
class ClosureCondition:
    label: str
    met: bool
    found: str = ""  # what the record shows when the condition is not met


def _rating(value: str) -> str:
    return str(RiskLevel(value).label) if value in RiskLevel.values else "chưa đánh giá"


def _at_least(value: str, minimum: str) -> bool:
    """Whether a rating of self-protection or recovery reaches `minimum` ("low": rated at all)."""
    if value not in RiskLevel.values:
        return False
    floor = RATING_ORDER.get(RiskLevel(minimum), 0) if minimum in RiskLevel.values else 0
    return RATING_ORDER[RiskLevel(value)] >= floor


def closure_conditions(case: Case) -> list[ClosureCondition]:
    """What closing the case needs (NĐ 56/2017 Điều 30 k1 b), each met or not: the separation ended by decision
    (Đ32 k3), and the latest review on Mẫu 06 (Đ30 k2) with its harm totals low (no criterion Cao, at most
    `CHILDPROTECT_CLOSURE_HARM_MEDIUM_MAX` Trung bình), the child's self-protection and recovery at least their
    settings, no remaining risk and a stable child. A review made before the form's criteria were recorded does not
    close a case: a new review on the form is needed (docs/law.md#review-form-06)."""
    running = running_separations(case).order_by("-decided_at").first()
    review = case.reviews.order_by("-at", "-id").first()
    medium_max = settings.CHILDPROTECT_CLOSURE_HARM_MEDIUM_MAX
    self_min = settings.CHILDPROTECT_CLOSURE_SELF_PROTECTION_MIN
    recovery_min = settings.CHILDPROTECT_CLOSURE_RECOVERY_MIN

    def floor(minimum: str) -> str:
        if minimum not in RiskLevel.values or minimum == RiskLevel.LOW:
            return "đã được đánh giá"
        return f"từ mức {str(RiskLevel(minimum).label).lower()} trở lên"

    harm_label = "Mẫu 06, tổng mức độ tổn hại: không tiêu chí nào ở mức Cao" + (
        f", tối đa {medium_max} ở mức Trung bình" if medium_max > 0 else ", cả ba ở mức Thấp"
    )
    labels = [
        "Lần rà soát gần nhất theo Mẫu 06 (đủ các tiêu chí)",
        harm_label,
        f"Khả năng tự bảo vệ của trẻ em {floor(self_min)}",
        f"Khả năng phục hồi của trẻ em {floor(recovery_min)}",
        "Trẻ không còn nguy cơ bị xâm hại",
        "Trẻ đã ổn định về thể chất, tâm lý, nhận thức, tình cảm",
    ]
    conditions = [
        ClosureCondition(
            "Biện pháp tách trẻ khỏi môi trường đã chấm dứt bằng quyết định",
            running is None,
            ""
            if running is None
            else f"đang áp dụng từ {timezone.localtime(running.decided_at):%d/%m/%Y}, chưa có quyết định chấm dứt",
        ),
    ]
    if review is None:
        return [*conditions, *(ClosureCondition(label, False, "chưa rà soát (Mẫu 06)") for label in labels)]
    on = f"rà soát ngày {timezone.localtime(review.at):%d/%m/%Y}"
    if not review.on_mau06:
        old = f"{on} chưa đánh giá theo các tiêu chí của Mẫu 06: cần rà soát lại"
        return [*conditions, *(ClosureCondition(label, False, old) for label in labels)]
    totals = review.harm_totals()
    high, medium, low = totals[RiskLevel.HIGH], totals[RiskLevel.MEDIUM], totals[RiskLevel.LOW]
    return [
        *conditions,
        ClosureCondition(labels[0], True),
        ClosureCondition(
            labels[1],
            high == 0 and medium <= medium_max,
            f"{on}: Cao {high}, Trung bình {medium}, Thấp {low}",
        ),
        ClosureCondition(
            labels[2],
            _at_least(review.self_protection, self_min),
            f"{on}: {_rating(review.self_protection).lower()}",
        ),
        ClosureCondition(
            labels[3],
            _at_least(review.recovery_level, recovery_min),
            f"{on}: {_rating(review.recovery_level).lower()}",
        ),
        ClosureCondition(labels[4], not review.risk_remains, f"{on}: trẻ còn nguy cơ"),
        ClosureCondition(labels[5], review.child_stable, f"{on}: trẻ chưa ổn định"),
    ]


def _latest_plan(case: Case, *statuses: str) -> Plan | None:
    return case.plans.filter(status__in=statuses).order_by("-number").first()


def _record_finding(ctx: Step) -> None:
    """The assessment's conclusion about abuse, when it gives one (counted by the periodic report from its moment)."""
    finding = ctx.data.get("finding")
    if finding and finding != ctx.record.abuse_finding:
        ctx.record.abuse_finding, ctx.record.finding_at = finding, ctx.now


def assess_initial(ctx: Step) -> dict[str, Any]:
    if ctx.data.get("level"):
        ctx.record.level = ctx.data["level"]
    _record_finding(ctx)
    return ctx.data


def decide_emergency(ctx: Step) -> dict[str, Any]:
    d = ctx.data
    if d.get("emergency_needed"):
        if not d.get("measures"):
            raise ValidationError({"measures": "Ghi rõ biện pháp bảo vệ khẩn cấp được áp dụng."})
        until = None
        if d.get("separation"):
            days = d.get("separation_days") or settings.CHILDPROTECT_SEPARATION_MAX_DAYS
            if days > settings.CHILDPROTECT_SEPARATION_MAX_DAYS:
                raise ValidationError(
                    {
                        "separation_days": "Cách ly tạm thời không quá "
                        f"{settings.CHILDPROTECT_SEPARATION_MAX_DAYS} ngày (NĐ 56/2017)."
                    }
                )
            if not d.get("placement"):
                raise ValidationError({"placement": "Ghi rõ nơi trẻ được bố trí chăm sóc thay thế."})
            until = timezone.localtime(ctx.now).date() + dt.timedelta(days=days)
        EmergencyMeasure.objects.create(
            case=ctx.record,
            decided_by=ctx.actor,
            decided_at=ctx.now,
            measures=d["measures"],
            placement=d.get("placement", ""),
            separation=bool(until),
            separation_until=until,
        )
        if until:
            start_deadline(ctx.record, DeadlineKind.SEPARATION_END, ctx.now, until=until)
            d = {**d, "separation_until": until}
        emergency_plan_clock(ctx.record, ctx.now)
    return d


def emergency_plan_clock(case: Case, now: dt.datetime) -> None:
    """NĐ 56 Đ28 k1: the plan within 5 working days "trừ trường hợp khẩn cấp". Once the chair applies emergency
    protection (Đ31) or a separation (Đ32) the case is an emergency: the 5 days counted from the report no longer
    apply, the plan follows the emergency (Đ31 k3 b) within `CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS` working days of
    the decision, a setting since the text gives no number (0: no plan clock). docs/law.md#time-limits"""
    open_plan = case.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN)
    if not open_plan.exists():
        return
    open_plan.update(status=DeadlineStatus.CANCELLED, settled_at=now)
    days = settings.CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS
    if days > 0:
        start_deadline(case, DeadlineKind.PLAN, now, days=days)


def assess_specific(ctx: Step) -> dict[str, Any]:
    ctx.record.level = ctx.data["level"]
    _record_finding(ctx)
    return ctx.data


def draft_plan(ctx: Step) -> dict[str, Any]:
    activities = ctx.data.get("activities") or []
    if not activities:
        raise ValidationError("Kế hoạch cần ít nhất một hoạt động: việc gì, ai làm, khi nào.")
    for row in activities:
        if row["end"] < row["start"]:
            raise ValidationError(f"Hoạt động “{row['activity']}”: ngày kết thúc trước ngày bắt đầu.")
    ctx.record.plans.filter(status__in=[PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.RETURNED]).update(
        status=PlanStatus.SUPERSEDED
    )
    number = (ctx.record.plans.aggregate(n=Max("number"))["n"] or 0) + 1
    plan = Plan.objects.create(
        case=ctx.record,
        number=number,
        goals=ctx.data["goals"],
        drafted_by=ctx.actor,
        drafted_at=ctx.now,
        end_date=ctx.data["end_date"],
    )
    PlanActivity.objects.bulk_create([PlanActivity(plan=plan, **row) for row in activities])
    return {**ctx.data, "plan_number": number}


def return_plan(ctx: Step) -> dict[str, Any]:
    plan = _latest_plan(ctx.record, PlanStatus.SUBMITTED)
    if plan:
        plan.status = PlanStatus.RETURNED
        plan.save(update_fields=["status"])
    CaseComment.objects.create(
        case=ctx.record, author=ctx.actor, at=ctx.now, text=ctx.data["reason"], requests_changes=True
    )
    return ctx.data


def return_plan_guard(actor: User, case: Case) -> str | None:
    """NĐ 56 Đ28 k1, k4: the plan goes to the chair, who approves it; a supervisor returns it only where the province
    allows it (`CHILDPROTECT_SUPERVISOR_RETURNS_PLAN`), and otherwise comments asking for changes."""
    if actor.role == Role.SUPERVISOR and not settings.CHILDPROTECT_SUPERVISOR_RETURNS_PLAN:
        return (
            "Theo Nghị định 56/2017/NĐ-CP Điều 28, Chủ tịch UBND cấp xã phê duyệt hoặc trả lại kế hoạch; "
            "cán bộ giám sát gửi ý kiến đề nghị sửa trên trang hồ sơ."
        )
    return None


def approve_plan(ctx: Step) -> dict[str, Any]:
    plan = _latest_plan(ctx.record, PlanStatus.SUBMITTED)
    if plan is None:
        raise ValidationError("Không có kế hoạch nào chờ phê duyệt.")
    plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED, ctx.actor, ctx.now
    plan.decision_number = ctx.data.get("decision_number", "")
    plan.save()
    return {**ctx.data, "plan_number": plan.number}


def review(ctx: Step) -> dict[str, Any]:
    """Mẫu 06 (NĐ 56 Đ30 k2): the five criteria rated, and what Đ30 k1 decides on. A review finding the child still at
    risk or not stable goes back to a new plan (Đ30 k1 c): its clock starts now
    (`CHILDPROTECT_REPLAN_WORKING_DAYS`, docs/law.md#time-limits); going on with the plan in force cancels it."""
    plan = _latest_plan(ctx.record, PlanStatus.APPROVED)
    if plan is None:
        raise ValidationError("Chưa có kế hoạch được phê duyệt để rà soát.")
    d = ctx.data
    missing = {
        name: "Chọn mức độ: Cao, Trung bình hoặc Thấp."
        for name in MAU06_CRITERIA
        if d.get(name) not in RiskLevel.values
    }
    if missing:
        raise ValidationError(missing)
    ratings = {name: d[name] for name in MAU06_CRITERIA}
    Review.objects.create(
        case=ctx.record,
        plan=plan,
        at=ctx.now,
        by=ctx.actor,
        **ratings,
        harm_level=ratings["harm_severity"],
        abuser_has_access=ratings["abuser_access"] != RiskLevel.LOW,
        care_environment=d.get("care_environment") or "",
        recovery=d.get("recovery") or "",
        risk_remains=bool(d.get("risk_remains")),
        child_stable=bool(d.get("child_stable")),
    )
    days = settings.CHILDPROTECT_REPLAN_WORKING_DAYS
    replan = bool(d.get("risk_remains")) or not d.get("child_stable")
    if (
        replan
        and days > 0
        and not ctx.record.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).exists()
    ):
        start_deadline(ctx.record, DeadlineKind.PLAN, ctx.now, days=days)
    return {**d, "plan_number": plan.number}


def require_closable(ctx: Step) -> dict[str, Any]:
    failing = [c for c in closure_conditions(ctx.record) if not c.met]
    if failing:
        raise ValidationError(
            "Chưa thể đóng hồ sơ (NĐ 56/2017 Điều 30). Chưa đạt: "
            + "; ".join(f"{c.label.lower()} ({c.found})" for c in failing)
            + "."
        )
    return ctx.data


def end_separation(ctx: Step) -> dict[str, Any]:
    """The chair's decision ending the temporary separation (NĐ 56 Đ32 k3): its number and date, never in the future nor
    before the separation was decided. The table settles the separation's end deadline."""
    running = list(running_separations(ctx.record))
    if not running:
        raise ValidationError("Hồ sơ không có biện pháp tách trẻ khỏi môi trường đang áp dụng.")
    number = str(ctx.data.get("end_decision_number") or "").strip()
    if not number:
        raise ValidationError({"end_decision_number": "Ghi số quyết định chấm dứt biện pháp tách trẻ."})
    decided_on = ctx.data.get("end_decided_on")
    if not isinstance(decided_on, dt.date):
        raise ValidationError({"end_decided_on": "Ghi ngày ra quyết định (dd/mm/yyyy)."})
    if decided_on > timezone.localtime(ctx.now).date():
        raise ValidationError({"end_decided_on": "Ngày quyết định không được sau hôm nay."})
    began = min(timezone.localtime(m.decided_at).date() for m in running)
    if decided_on < began:
        raise ValidationError(
            {"end_decided_on": f"Ngày quyết định không được trước ngày quyết định tách trẻ ({began:%d/%m/%Y})."}
        )
    for measure in running:
        measure.ended_on, measure.end_decision = decided_on, number
        measure.ended_by, measure.ended_at = ctx.actor, ctx.now
        measure.save(update_fields=["ended_on", "end_decision", "ended_by", "ended_at"])
    return {**ctx.data, "end_decision_number": number}


def extend_separation(ctx: Step) -> dict[str, Any]:
    """The chair's decision extending the temporary separation (NĐ 56 Đ32): the chair who decided it extends it, within
    15 days in all from the separation's decision (CHILDPROTECT_SEPARATION_MAX_DAYS) unless a competent authority asks
    for it to go on; such an extension adds at most CHILDPROTECT_SEPARATION_EXTENSION_MAX_DAYS (the law sets no bound:
    a setting). The separation's end deadline moves to the new last day (a new deadline: its reminders are new)."""
    running = list(running_separations(ctx.record))
    if not running:
        raise ValidationError("Hồ sơ không có biện pháp tách trẻ khỏi môi trường đang áp dụng.")
    today = timezone.localtime(ctx.now).date()
    number = str(ctx.data.get("extension_decision_number") or "").strip()
    if not number:
        raise ValidationError({"extension_decision_number": "Ghi số quyết định gia hạn."})
    decided_on = ctx.data.get("extension_decided_on")
    if not isinstance(decided_on, dt.date):
        raise ValidationError({"extension_decided_on": "Ghi ngày ra quyết định (dd/mm/yyyy)."})
    if decided_on > today:
        raise ValidationError({"extension_decided_on": "Ngày quyết định không được sau hôm nay."})
    began = min(timezone.localtime(m.decided_at).date() for m in running)
    if decided_on < began:
        raise ValidationError(
            {"extension_decided_on": f"Ngày quyết định không được trước ngày quyết định tách trẻ ({began:%d/%m/%Y})."}
        )
    until = ctx.data.get("separation_until")
    if not isinstance(until, dt.date):
        raise ValidationError({"separation_until": "Ghi ngày kết thúc cách ly mới (dd/mm/yyyy)."})
    limit = began + dt.timedelta(days=settings.CHILDPROTECT_SEPARATION_MAX_DAYS)
    # A separation recorded without its last day runs the legal maximum.
    current = max((m.separation_until for m in running if m.separation_until), default=limit)
    if until <= current:
        raise ValidationError(
            {"separation_until": f"Ngày kết thúc mới phải sau ngày kết thúc hiện tại ({current:%d/%m/%Y})."}
        )
    requested_by = str(ctx.data.get("requested_by") or "").strip()
    if until > limit:
        if not requested_by:
            raise ValidationError(
                {
                    "requested_by": "Tổng thời gian cách ly quá "
                    f"{settings.CHILDPROTECT_SEPARATION_MAX_DAYS} ngày (đến {limit:%d/%m/%Y}): chỉ được tiếp tục "
                    "cách ly theo yêu cầu của cơ quan có thẩm quyền (NĐ 56/2017 Điều 32); ghi rõ cơ quan và văn bản "
                    "yêu cầu."
                }
            )
        most = current + dt.timedelta(days=settings.CHILDPROTECT_SEPARATION_EXTENSION_MAX_DAYS)
        if until > most:
            raise ValidationError(
                {
                    "separation_until": "Mỗi lần gia hạn quá thời hạn luật định không quá "
                    f"{settings.CHILDPROTECT_SEPARATION_EXTENSION_MAX_DAYS} ngày (đến {most:%d/%m/%Y})."
                }
            )
    for measure in running:
        measure.separation_until = until
        measure.extension_decision = "; ".join(p for p in [measure.extension_decision, number] if p)[:255]
        measure.save(update_fields=["separation_until", "extension_decision"])
    # The deadline moves: the open one is cancelled (its reminders were for the old day) and a new one runs to `until`.
    ctx.record.deadlines.filter(kind=DeadlineKind.SEPARATION_END, status=DeadlineStatus.OPEN).update(
        status=DeadlineStatus.CANCELLED, settled_at=ctx.now
    )
    start_deadline(ctx.record, DeadlineKind.SEPARATION_END, ctx.now, until=until)
    ctx.changes["separation_until"] = [current.isoformat(), until.isoformat()]
    return {
        **ctx.data,
        "extension_decision_number": number,
        "requested_by": requested_by,
        "previous_until": current,
    }


def approve_closure(ctx: Step) -> dict[str, Any]:
    require_closable(ctx)
    ctx.record.closed_at = ctx.now  # the table cancels every deadline left: a closed case owes nothing
    return ctx.data


def reopen(ctx: Step) -> dict[str, Any]:
    ctx.record.closed_at = None
    return ctx.data


def as_is(ctx: Step) -> dict[str, Any]:
    return ctx.data


def end_separation_guard(actor: User, case: Case) -> str | None:
    """Ending a separation is offered only while one runs."""
    if not running_separations(case).exists():
        return "Hồ sơ không có biện pháp tách trẻ khỏi môi trường đang áp dụng."
    return None


def reassign(ctx: Step) -> dict[str, Any]:
    """Hand the case to another active officer of its commune; its deadlines run on as they were."""
    case, chosen = ctx.record, ctx.data.get("officer")
    if isinstance(chosen, User):
        officer: User | None = chosen
    else:
        officer = User.objects.filter(pk=chosen).first() if isinstance(chosen, int | str) else None
    if officer is not None and officer.pk == case.officer_id:
        raise ValidationError({"officer": "Cán bộ này đang phụ trách hồ sơ; hãy chọn một cán bộ khác."})
    if officer is None or not officer.is_active:
        raise ValidationError({"officer": "Tài khoản này không còn hoạt động; hãy chọn một cán bộ đang làm việc."})
    if officer.role != Role.COMMUNE_OFFICER or officer.unit_id != case.unit_id:
        raise ValidationError(
            {"officer": f"Chỉ giao được cho cán bộ bảo vệ trẻ em của {case.unit.name}; {officer} không phải."}
        )
    previous = case.officer
    case.officer = officer
    ctx.changes["officer"] = [previous.pk, officer.pk]
    ctx.extra["previous_officer"] = previous
    return {"officer": officer, "previous_officer": previous, "reason": ctx.data.get("reason", "")}


# --- Transfers between communes (docs/architecture.md#moves) ---------------------------------------------------------


def no_open_transfer(actor: User, case: Case) -> str | None:
    """Twice at once is refused: a second request (or a direct transfer) while one waits for an answer."""
    waiting = open_transfer(case)
    if waiting is not None:
        return (
            f"Hồ sơ đang có đề nghị chuyển đến {waiting.to_unit.name} chờ tiếp nhận; "
            "hãy chờ trả lời hoặc rút đề nghị đó trước."
        )
    return None


def open_transfer_guard(actor: User, case: Case) -> str | None:
    if open_transfer(case) is None:
        return "Hồ sơ không có đề nghị chuyển nào đang chờ tiếp nhận."
    return None


def _destination(case: Case, chosen: Any) -> AdminUnit:
    """The commune a case may move to: a commune (not a district or a province) of the current list of units, other
    than the one holding it. A unit of an older list is refused: its records are moved to the successor commune by
    re-homing (docs/architecture.md#moves), and a new move files the case under a unit people work in today."""
    if not isinstance(chosen, AdminUnit):
        raise ValidationError({"to_unit": "Hãy chọn xã, phường nhận hồ sơ."})
    if chosen.level != UnitLevel.COMMUNE:
        raise ValidationError(
            {"to_unit": f"{chosen.name} không phải đơn vị cấp xã; hồ sơ chỉ chuyển được đến một xã, phường, đặc khu."}
        )
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST
    if chosen.list_version != current:
        raise ValidationError(
            {
                "to_unit": f"{chosen.name} thuộc danh mục đơn vị hành chính {chosen.list_version}, không còn sử dụng; "
                f"hãy chọn xã, phường theo danh mục {current}."
            }
        )
    if chosen.pk == case.unit_id:
        raise ValidationError({"to_unit": f"Hồ sơ đang thuộc {chosen.name}; hãy chọn một xã, phường khác."})
    return chosen


def _reason(data: dict[str, Any], field: str, missing: str) -> str:
    reason = str(data.get(field) or "").strip()
    if not reason:
        raise ValidationError({field: missing})
    return reason


def _receiving_officer(actor: User, unit: AdminUnit, chosen: Any) -> User:
    """The officer in charge at the receiving commune: an officer of it accepting takes the case himself; a chair or
    a supervisor picks an active officer of it (none picked: the one with the fewest open cases)."""
    if actor.role == Role.COMMUNE_OFFICER and actor.unit_id == unit.pk:
        return actor
    if isinstance(chosen, User):
        officer: User | None = chosen
    elif isinstance(chosen, int | str) and str(chosen).isdigit():
        officer = User.objects.filter(pk=chosen).first()
    else:
        officer = least_loaded_officer(unit)
        if officer is None:
            raise ValidationError(
                f"{unit.name} chưa có cán bộ bảo vệ trẻ em nào đang làm việc, nên chưa thể nhận hồ sơ: "
                "hãy tạo hoặc kích hoạt tài khoản cán bộ của xã, phường trước."
            )
    if officer is None or not officer.is_active:
        raise ValidationError({"officer": "Tài khoản này không còn hoạt động; hãy chọn một cán bộ đang làm việc."})
    if officer.role != Role.COMMUNE_OFFICER or officer.unit_id != unit.pk:
        raise ValidationError(
            {"officer": f"Chỉ giao được cho cán bộ bảo vệ trẻ em của {unit.name}; {officer} không phải."}
        )
    return officer


def _move(ctx: Step, transfer: CaseTransfer, officer: User) -> None:
    """The case goes to the receiving commune, with its deadlines (kept as they run), plans, referrals, attachments
    and history; the officer in charge is the receiving commune's; the child's residence follows when it was the
    commune the case leaves. Custody is recorded before the case's commune changes."""
    case = ctx.record
    from_unit_id, previous = case.unit_id, case.officer
    custody_move(case, transfer.to_unit, ctx.now)
    case.unit, case.officer = transfer.to_unit, officer
    moved_child = Child.all_objects.filter(pk=case.child_id, residence_unit_id=from_unit_id).update(
        residence_unit=transfer.to_unit, version=F("version") + 1
    )
    ctx.changes.update(
        unit=[from_unit_id, transfer.to_unit.pk],
        officer=[previous.pk, officer.pk],
        transfer=transfer.pk,
        **({"child_residence": [from_unit_id, transfer.to_unit.pk]} if moved_child else {}),
    )
    ctx.extra.update(transfer=transfer, moved_from_officer=previous)


def request_transfer(ctx: Step) -> dict[str, Any]:
    """Ask the commune the child moved to to take the case; nothing moves until it accepts."""
    case = ctx.record
    to_unit = _destination(case, ctx.data.get("to_unit"))
    reason = _reason(ctx.data, "reason", "Ghi lý do chuyển hồ sơ (ví dụ: gia đình trẻ đã chuyển đến nơi ở mới).")
    try:
        with transaction.atomic():  # the constraint's refusal undoes this insert only; the step is refused below
            transfer = CaseTransfer.objects.create(
                case=case,
                kind=TransferKind.REQUEST,
                status=TransferStatus.REQUESTED,
                from_unit_id=case.unit_id,
                to_unit=to_unit,
                reason=reason,
                requested_by=ctx.actor,
                requested_at=ctx.now,
            )
    except IntegrityError as error:
        raise ValidationError("Hồ sơ đang có một đề nghị chuyển chờ tiếp nhận.", code="refused") from error
    ctx.changes.update(transfer=transfer.pk, to_unit=to_unit.pk)
    ctx.extra["transfer"] = transfer
    return {"to_unit": to_unit, "reason": reason}


def _decide(ctx: Step, status: str) -> CaseTransfer:
    transfer = open_transfer(ctx.record)
    if transfer is None:  # the row's guard or check said so already; read again under the lock
        raise ValidationError("Hồ sơ không có đề nghị chuyển nào đang chờ tiếp nhận.")
    transfer.status, transfer.decided_by, transfer.decided_at = status, ctx.actor, ctx.now
    return transfer


def cancel_transfer(ctx: Step) -> dict[str, Any]:
    transfer = _decide(ctx, TransferStatus.CANCELLED)
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    ctx.changes.update(transfer=transfer.pk)
    ctx.extra["transfer"] = transfer
    return {"to_unit": transfer.to_unit, "note": ctx.data.get("note", "")}


def decline_transfer(ctx: Step) -> dict[str, Any]:
    reason = _reason(ctx.data, "reason", "Ghi lý do từ chối để xã, phường chuyển đi biết cần làm gì tiếp.")
    transfer = _decide(ctx, TransferStatus.DECLINED)
    transfer.decline_reason = reason
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
    ctx.changes.update(transfer=transfer.pk)
    ctx.extra["transfer"] = transfer
    return {"from_unit": transfer.from_unit, "to_unit": transfer.to_unit, "reason": reason}


def accept_transfer(ctx: Step) -> dict[str, Any]:
    transfer = _decide(ctx, TransferStatus.ACCEPTED)
    officer = _receiving_officer(ctx.actor, transfer.to_unit, ctx.data.get("officer"))
    transfer.officer = officer
    transfer.save(update_fields=["status", "decided_by", "decided_at", "officer"])
    _move(ctx, transfer, officer)
    return {"from_unit": transfer.from_unit, "to_unit": transfer.to_unit, "officer": officer}


def transfer_direct(ctx: Step) -> dict[str, Any]:
    """A supervisor over both communes moves the case at once: no request, no acceptance."""
    case = ctx.record
    to_unit = _destination(case, ctx.data.get("to_unit"))
    if not user_reaches_unit(ctx.actor, to_unit):
        raise ValidationError(
            {
                "to_unit": f"{to_unit.name} nằm ngoài địa bàn bạn phụ trách: hãy gửi đề nghị chuyển hồ sơ để xã, "
                "phường nhận (hoặc cán bộ giám sát của địa bàn đó) tiếp nhận."
            }
        )
    reason = _reason(ctx.data, "reason", "Ghi lý do chuyển hồ sơ.")
    officer = _receiving_officer(ctx.actor, to_unit, ctx.data.get("officer"))
    transfer = CaseTransfer.objects.create(
        case=case,
        kind=TransferKind.DIRECT,
        status=TransferStatus.ACCEPTED,
        from_unit_id=case.unit_id,
        to_unit=to_unit,
        reason=reason,
        requested_by=ctx.actor,
        requested_at=ctx.now,
        decided_by=ctx.actor,
        decided_at=ctx.now,
        officer=officer,
    )
    _move(ctx, transfer, officer)
    return {"from_unit": transfer.from_unit, "to_unit": to_unit, "officer": officer, "reason": reason}


def rehome_guard(actor: User, case: Case) -> str | None:
    """Re-homing is offered only for a case filed under a unit of an older list than the current one."""
    if case.unit.list_version == settings.CHILDPROTECT_CURRENT_UNIT_LIST:
        return "Hồ sơ đã thuộc một xã, phường của danh mục đơn vị hành chính hiện hành."
    return None


def rehome(ctx: Step) -> dict[str, Any]:
    """Move the case to the current-list commune that took its commune over (docs/law.md#the-2025-reform): one of its
    successors in the crosswalk, in the actor's reach. Deadlines, plans, referrals and history stay with the case;
    the officer in charge stays when they work for the new commune, else its first active officer takes it."""
    case, chosen = ctx.record, ctx.data.get("unit")
    old = case.unit
    found = successors_of([old.pk]).get(old.pk)
    candidates = {u.pk: u for u in found.units} if found else {}
    pk = chosen.pk if isinstance(chosen, AdminUnit) else chosen
    target = candidates.get(int(pk)) if isinstance(pk, int | str) and str(pk).isdigit() else None
    if target is None:
        names = ", ".join(u.name for u in candidates.values()) or "không có"
        raise ValidationError(
            {"unit": f"Chỉ chuyển được sang đơn vị kế thừa {old.name} theo bảng chuyển đổi ({names})."}
        )
    if not user_reaches_unit(ctx.actor, target):
        raise ValidationError({"unit": f"{target.name} nằm ngoài địa bàn bạn phụ trách."})
    case.unit = target
    ctx.changes["unit"] = [old.pk, target.pk]
    officer = case.officer
    if not (officer.is_active and officer.role == Role.COMMUNE_OFFICER and officer.unit_id == target.pk):
        taker = User.objects.filter(role=Role.COMMUNE_OFFICER, unit=target, is_active=True).order_by("id").first()
        if taker is not None:
            case.officer = taker
            ctx.changes["officer"] = [officer.pk, taker.pk]
            ctx.extra["previous_officer"] = officer
    return {
        "from_unit": old.name,
        "to_unit": target.name,
        "officer": case.officer,
        "reason": ctx.data.get("reason", ""),
    }
