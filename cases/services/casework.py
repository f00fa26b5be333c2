"""The statutory workflow's writes: open a case, take an action of the workflow table, remind about deadlines.

Every action runs in one transaction: lock the case, check its version (no silent overwrite), check the table (state
and role), record what the step needs, settle and start deadlines, write the timeline step and the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from cases import deadlines as deadline_rules
from cases.models import (
    Case,
    CaseComment,
    CaseState,
    CaseStep,
    Child,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    EmergencyMeasure,
    Plan,
    PlanActivity,
    PlanStatus,
    Reminder,
    ReminderKind,
    Report,
    ReportStatus,
    Review,
    RiskLevel,
)
from cases.workflow import BY_ACTION, Transition, next_actions, waiting_on
from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import can_comment, can_record_separation, can_take_charge_of_cases
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.audit.actions import CaseAction, case_step
from childprotect.audit.services import audit_record
from childprotect.core.services import notify
from childprotect.places.models import AdminUnit

__all__ = [
    "case_open",
    "case_act",
    "case_comment",
    "separation_record",
    "deadlines_scan",
    "ScanResult",
    "action_refusal",
    "closure_conditions",
    "ClosureCondition",
    "initial_assessment",
]

ROLE_NAMES: dict[str, str] = {
    Role.COMMUNE_OFFICER: "cán bộ bảo vệ trẻ em cấp xã",
    Role.COMMUNE_CHAIR: "Chủ tịch UBND cấp xã",  # in a case, the unit says which: UBND phường, xã, đặc khu
    Role.SUPERVISOR: "cán bộ giám sát",
}


def _json(value: Any) -> Any:
    """Form values as the timeline stores them (dates as dd/mm/yyyy text, model rows by their label)."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _start_deadline(case: Case, kind: str, start: dt.datetime, **kwargs: Any) -> Deadline:
    due, remind = deadline_rules.compute(kind, start, **kwargs)
    return Deadline.objects.create(case=case, kind=kind, started_at=start, due_at=due, remind_at=remind)


def case_open(*, actor: User, report: Report, child: Child) -> Case:
    """One case per child per report. Its 12-hour and 5-working-day clocks run from the report's receipt."""
    with transaction.atomic():
        case = Case.all_objects.filter(report=report, child=child).first()
        if case is not None and case.deleted_at is not None:
            raise ValidationError(
                "Hồ sơ của trẻ em này trong thông tin này đã bị xoá; quản trị hệ thống có thể khôi phục.",
                code="deleted",
            )
        if case is not None:
            return case
        officer = (
            actor
            if can_take_charge_of_cases(actor) and actor.unit_id == report.incident_unit_id
            else (
                User.objects.filter(role=Role.COMMUNE_OFFICER, unit=report.incident_unit, is_active=True)
                .order_by("id")
                .first()
                or actor
            )
        )
        case = Case.objects.create(report=report, child=child, officer=officer, unit=report.incident_unit)
        _start_deadline(case, DeadlineKind.EMERGENCY, report.received_at)
        _start_deadline(case, DeadlineKind.PLAN, report.received_at)
        CaseStep.objects.create(
            case=case,
            action="open",
            from_state=CaseState.RECEIVED,
            to_state=CaseState.RECEIVED,
            actor=actor,
            at=timezone.now(),
            record={"report": report.reference},
        )
        # The report stays "new" in the commune's inbox until someone acts on one of its cases.
        audit_record(actor=actor, action=CaseAction.OPEN, obj=case, changes={"report": report.pk, "child": child.pk})
    return case


def action_refusal(actor: User, case: Case, transition: Transition) -> str | None:
    """Why `actor` may not take `transition` on `case` now, in Vietnamese; None when they may."""
    if actor.role not in transition.roles:
        names = {**ROLE_NAMES, Role.COMMUNE_CHAIR: case.unit.chair_title}
        who = " hoặc ".join(names.get(r, r) for r in sorted(transition.roles))
        return f"Chỉ {who} mới được thực hiện “{transition.label}”."
    if not user_reaches_unit(actor, case.unit):
        return "Hồ sơ này nằm ngoài địa bàn bạn phụ trách."
    if case.state not in transition.sources:
        return f"Không thể thực hiện “{transition.label}” khi hồ sơ đang ở bước “{CaseState(case.state).label}”."
    if transition.action == "end_separation" and not _running_separations(case).exists():
        return "Hồ sơ không có biện pháp tách trẻ khỏi môi trường đang áp dụng."
    return None


def _running_separations(case: Case) -> Any:
    """The temporary separations decided for the case and not yet ended by a decision."""
    return case.emergency_measures.filter(separation=True, ended_on__isnull=True)


@dataclass(frozen=True)
class ClosureCondition:
    label: str
    met: bool
    found: str = ""  # what the record shows when the condition is not met


def closure_conditions(case: Case) -> list[ClosureCondition]:
    """What closing the case needs (NĐ 56/2017 Điều 30), each met or not: the separation ended by decision, and the
    latest review (Mẫu 06) showing low harm, no access of the abuser, no remaining risk and a stable child."""
    running = _running_separations(case).order_by("-decided_at").first()
    review = case.reviews.order_by("-at", "-id").first()
    no_review = "chưa rà soát (Mẫu 06)"
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
        labels = [
            "Lần rà soát gần nhất: mức độ tổn hại thấp",
            "Người xâm hại không còn tiếp cận được trẻ",
            "Trẻ không còn nguy cơ bị xâm hại",
            "Trẻ đã ổn định về thể chất, tinh thần, tâm lý",
        ]
        return [*conditions, *(ClosureCondition(label, False, no_review) for label in labels)]
    harm = str(RiskLevel(review.harm_level).label) if review.harm_level in RiskLevel.values else review.harm_level
    on = f"rà soát ngày {timezone.localtime(review.at):%d/%m/%Y}"
    return [
        *conditions,
        ClosureCondition(
            "Lần rà soát gần nhất: mức độ tổn hại thấp",
            review.harm_level == RiskLevel.LOW,
            f"{on}: mức độ tổn hại “{harm}”",
        ),
        ClosureCondition(
            "Người xâm hại không còn tiếp cận được trẻ",
            not review.abuser_has_access,
            f"{on}: người xâm hại còn tiếp cận được trẻ",
        ),
        ClosureCondition("Trẻ không còn nguy cơ bị xâm hại", not review.risk_remains, f"{on}: trẻ còn nguy cơ"),
        ClosureCondition(
            "Trẻ đã ổn định về thể chất, tinh thần, tâm lý", review.child_stable, f"{on}: trẻ chưa ổn định"
        ),
    ]


def initial_assessment(case: Case) -> CaseStep | None:
    """The latest initial risk assessment (Mẫu 02) of the case: what the chair decides emergency protection on."""
    return case.steps.filter(action="assess_initial").select_related("actor").order_by("-at", "-id").first()


@dataclass
class StepContext:
    actor: User
    case: Case
    data: dict[str, Any]
    now: dt.datetime


def _latest_plan(case: Case, *statuses: str) -> Plan | None:
    return case.plans.filter(status__in=statuses).order_by("-number").first()


def _assess_initial(ctx: StepContext) -> dict[str, Any]:
    if ctx.data.get("level"):
        ctx.case.level = ctx.data["level"]
    return ctx.data


def _decide_emergency(ctx: StepContext) -> dict[str, Any]:
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
            case=ctx.case,
            decided_by=ctx.actor,
            decided_at=ctx.now,
            measures=d["measures"],
            placement=d.get("placement", ""),
            separation=bool(until),
            separation_until=until,
        )
        if until:
            _start_deadline(ctx.case, DeadlineKind.SEPARATION_END, ctx.now, until=until)
            d = {**d, "separation_until": until}
    return d


def _assess_specific(ctx: StepContext) -> dict[str, Any]:
    ctx.case.level = ctx.data["level"]
    return ctx.data


def _draft_plan(ctx: StepContext) -> dict[str, Any]:
    activities = ctx.data.get("activities") or []
    if not activities:
        raise ValidationError("Kế hoạch cần ít nhất một hoạt động: việc gì, ai làm, khi nào.")
    for row in activities:
        if row["end"] < row["start"]:
            raise ValidationError(f"Hoạt động “{row['activity']}”: ngày kết thúc trước ngày bắt đầu.")
    ctx.case.plans.filter(status__in=[PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.RETURNED]).update(
        status=PlanStatus.SUPERSEDED
    )
    number = (ctx.case.plans.aggregate(n=Max("number"))["n"] or 0) + 1
    plan = Plan.objects.create(
        case=ctx.case,
        number=number,
        goals=ctx.data["goals"],
        drafted_by=ctx.actor,
        drafted_at=ctx.now,
        end_date=ctx.data["end_date"],
    )
    PlanActivity.objects.bulk_create([PlanActivity(plan=plan, **row) for row in activities])
    return {**ctx.data, "plan_number": number}


def _return_plan(ctx: StepContext) -> dict[str, Any]:
    plan = _latest_plan(ctx.case, PlanStatus.SUBMITTED)
    if plan:
        plan.status = PlanStatus.RETURNED
        plan.save(update_fields=["status"])
    CaseComment.objects.create(
        case=ctx.case, author=ctx.actor, at=ctx.now, text=ctx.data["reason"], requests_changes=True
    )
    return ctx.data


def _approve_plan(ctx: StepContext) -> dict[str, Any]:
    plan = _latest_plan(ctx.case, PlanStatus.SUBMITTED)
    if plan is None:
        raise ValidationError("Không có kế hoạch nào chờ phê duyệt.")
    plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED, ctx.actor, ctx.now
    plan.decision_number = ctx.data.get("decision_number", "")
    plan.save()
    return {**ctx.data, "plan_number": plan.number}


def _review(ctx: StepContext) -> dict[str, Any]:
    plan = _latest_plan(ctx.case, PlanStatus.APPROVED)
    if plan is None:
        raise ValidationError("Chưa có kế hoạch được phê duyệt để rà soát.")
    fields = ["harm_level", "abuser_has_access", "care_environment", "recovery", "risk_remains", "child_stable"]
    Review.objects.create(case=ctx.case, plan=plan, at=ctx.now, by=ctx.actor, **{f: ctx.data[f] for f in fields})
    return {**ctx.data, "plan_number": plan.number}


def _require_closable(ctx: StepContext) -> dict[str, Any]:
    failing = [c for c in closure_conditions(ctx.case) if not c.met]
    if failing:
        raise ValidationError(
            "Chưa thể đóng hồ sơ (NĐ 56/2017 Điều 30). Chưa đạt: "
            + "; ".join(f"{c.label.lower()} ({c.found})" for c in failing)
            + "."
        )
    return ctx.data


def _end_separation(ctx: StepContext) -> dict[str, Any]:
    """The chair's decision ending the temporary separation (NĐ 56 Đ27): its number and date, never in the future nor
    before the separation was decided. The table settles the separation's end deadline."""
    running = list(_running_separations(ctx.case))
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


def _approve_closure(ctx: StepContext) -> dict[str, Any]:
    _require_closable(ctx)
    ctx.case.closed_at = ctx.now  # the table cancels every deadline left: a closed case owes nothing
    return ctx.data


def _reopen(ctx: StepContext) -> dict[str, Any]:
    ctx.case.closed_at = None
    return ctx.data


def _as_is(ctx: StepContext) -> dict[str, Any]:
    return ctx.data


HANDLERS: dict[str, Callable[[StepContext], dict[str, Any]]] = {
    "assess_initial": _assess_initial,
    "decide_emergency": _decide_emergency,
    "assess_specific": _assess_specific,
    "draft_plan": _draft_plan,
    "return_plan": _return_plan,
    "approve_plan": _approve_plan,
    "review": _review,
    "propose_closure": _require_closable,
    "approve_closure": _approve_closure,
    "end_separation": _end_separation,
    "reopen": _reopen,
    "log_activity": _as_is,
    "continue_plan": _as_is,
    "reject_closure": _as_is,
}


def case_act(*, actor: User, case: Case, action: str, version: int, data: dict[str, Any]) -> CaseStep:
    """Take `action` of the workflow table on `case`, as edited from `version`."""
    transition = BY_ACTION.get(action)
    if transition is None:
        raise ValidationError(f"Không có bước “{action}” trong quy trình.")
    now = timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("unit", "report").get(pk=case.pk)
        if locked.version != version:
            raise ValidationError(
                "Hồ sơ vừa được người khác cập nhật. Nội dung bạn nhập vẫn còn dưới đây; "
                "hãy xem lại bước hiện tại rồi gửi lại.",
                code="stale",
            )
        refusal = action_refusal(actor, locked, transition)
        if refusal:
            raise ValidationError(refusal, code="refused")
        from_state = locked.state
        record = HANDLERS[action](StepContext(actor, locked, dict(data), now))
        due, on_time = None, None
        for kind in transition.settles:
            deadline = locked.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN).first()
            if deadline is None:
                continue
            late = now > deadline.due_at
            deadline.status, deadline.settled_at = (DeadlineStatus.LATE if late else DeadlineStatus.MET), now
            deadline.save(update_fields=["status", "settled_at"])
            if due is None:
                due, on_time = deadline.due_at, not late
        if transition.cancels:
            locked.deadlines.filter(kind__in=transition.cancels, status=DeadlineStatus.OPEN).update(
                status=DeadlineStatus.CANCELLED, settled_at=now
            )
        for kind in transition.starts:
            locked.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN).update(
                status=DeadlineStatus.CANCELLED, settled_at=now
            )
            _start_deadline(locked, kind, now)
        if transition.target is not None:
            locked.state = transition.target
        locked.version += 1
        locked.save()
        step = CaseStep.objects.create(
            case=locked,
            action=action,
            from_state=from_state,
            to_state=locked.state,
            actor=actor,
            at=now,
            record=_json(record),
            deadline_due=due,
            on_time=on_time,
        )
        _sync_report_status(locked.report)
        audit_record(actor=actor, action=case_step(action), obj=locked, changes={"state": [from_state, locked.state]})
        _tell_hand_over(locked, transition, step, record)
    case.refresh_from_db()
    return step


def _tell_hand_over(case: Case, transition: Transition, step: CaseStep, record: dict[str, Any]) -> None:
    """Tell the people whose turn it now is (cases/workflow.py `waiting_on`), and the officer in charge whenever
    someone else moved the case on (the chair decided, approved, returned or closed). Bell and e-mail, once each."""
    if transition.target is None:
        return  # nothing moved on (an activity recorded)
    turn = waiting_on(case.state)
    recipients: dict[str, list[User]] = {Role.COMMUNE_OFFICER: [], Role.COMMUNE_CHAIR: []}
    if Role.COMMUNE_OFFICER in turn or step.actor_id != case.officer_id:
        recipients[Role.COMMUNE_OFFICER].append(case.officer)
    if Role.COMMUNE_CHAIR in turn:
        recipients[Role.COMMUNE_CHAIR] += list(
            User.objects.filter(role=Role.COMMUNE_CHAIR, unit_id=case.unit_id, is_active=True)
        )
    actor = step.actor
    when = timezone.localtime(step.at).strftime("%H:%M %d/%m/%Y")
    body = (
        f"{actor.full_name or actor.username} đã ghi nhận “{transition.label}” lúc {when}. "
        f"Bước hiện tại: {CaseState(case.state).label}."
    )
    reason = str(record.get("reason") or "").strip()
    if reason:
        body += f" Lý do: {reason[:300]}"
    for role, people in recipients.items():
        people = [p for p in people if p.pk != actor.pk]
        if not people:
            continue
        labels = [t.label for t in next_actions(case.state, role)]
        title = f"Đến lượt bạn: {labels[0]} – hồ sơ {case}" if labels else f"Hồ sơ {case}: {transition.label}"
        notify(
            recipients=people,
            title=title,
            body=body,
            url=reverse("cases:case_detail", args=[case.pk]),
            key=f"case:{case.pk}:step:{step.pk}",
        )


def _sync_report_status(report: Report) -> None:
    states = set(report.cases.values_list("state", flat=True))
    status = ReportStatus.CLOSED if states == {CaseState.CLOSED} else ReportStatus.HANDLING
    if states and report.status != status:
        Report.objects.filter(pk=report.pk).update(status=status)


def case_comment(*, actor: User, case: Case, text: str, requests_changes: bool = False) -> CaseComment:
    """A comment on the case; supervisors use it to review and ask for changes. The officer in charge is told."""
    if not can_comment(actor) or not user_reaches_unit(actor, case.unit):
        raise ValidationError("Vai trò của bạn không góp ý trên hồ sơ này.")
    if not text.strip():
        raise ValidationError({"text": "Ý kiến không được để trống."})
    with transaction.atomic():
        comment = CaseComment.objects.create(
            case=case, author=actor, at=timezone.now(), text=text.strip(), requests_changes=requests_changes
        )
        audit_record(actor=actor, action=CaseAction.COMMENT, obj=case, changes={"requests_changes": requests_changes})
        if case.officer_id != actor.pk:
            notify(
                recipients=[case.officer],
                title=f"Ý kiến mới về hồ sơ {case}",
                body=text.strip()[:300],
                url=reverse("cases:case_detail", args=[case.pk]),
            )
    return comment


def separation_record(
    *, actor: User, case: Case, ended_on: dt.date | None = None, extend_until: dt.date | None = None, decision: str = ""
) -> None:
    """The chair records that a competent authority extended a temporary separation. Ending it is a step of the
    workflow of its own, with the decision's number and date ("end_separation")."""
    if not can_record_separation(actor) or not user_reaches_unit(actor, case.unit):
        raise ValidationError(f"Chỉ {case.unit.chair_title} ghi nhận kết thúc hoặc gia hạn cách ly tạm thời.")
    if not extend_until:
        raise ValidationError(
            "Để chấm dứt biện pháp tách trẻ, dùng bước “Chấm dứt biện pháp tách trẻ khỏi môi trường” "
            "với số và ngày quyết định."
        )
    with transaction.atomic():
        measure = _running_separations(case).order_by("-decided_at").first()
        deadline = case.deadlines.filter(kind=DeadlineKind.SEPARATION_END, status=DeadlineStatus.OPEN).first()
        if measure is None or deadline is None:
            raise ValidationError("Hồ sơ không có quyết định cách ly tạm thời đang có hiệu lực.")
        now = timezone.now()
        if not decision.strip():
            raise ValidationError({"decision": "Gia hạn cách ly cần quyết định của cơ quan có thẩm quyền."})
        deadline.status, deadline.settled_at = DeadlineStatus.CANCELLED, now
        deadline.save(update_fields=["status", "settled_at"])
        measure.separation_until, measure.extension_decision = extend_until, decision.strip()
        measure.save(update_fields=["separation_until", "extension_decision"])
        _start_deadline(case, DeadlineKind.SEPARATION_END, now, until=extend_until)
        audit_record(
            actor=actor,
            action=CaseAction.SEPARATION,
            obj=case,
            changes={"ended_on": _json(ended_on), "extend_until": _json(extend_until)},
        )


@dataclass
class ScanResult:
    due_soon: int = 0
    overdue: int = 0
    notifications: int = 0


def _escalation_recipients(case: Case, cache: dict[int, list[User]], *, chairs: bool = True) -> list[User]:
    """Past the deadline: the commune's chairs, and the supervisors of every unit above the commune."""
    if case.unit_id not in cache:
        unit: AdminUnit = case.unit
        above = [a.pk for a in unit.ancestors()]
        cache[case.unit_id] = list(
            User.objects.filter(is_active=True).filter(role=Role.COMMUNE_CHAIR, unit_id=case.unit_id)
            | User.objects.filter(is_active=True, role=Role.SUPERVISOR, unit_id__in=above)
        )
    return [u for u in cache[case.unit_id] if chairs or u.role != Role.COMMUNE_CHAIR]


def deadlines_scan(now: dt.datetime | None = None) -> ScanResult:
    """Remind the officer in charge before a deadline passes; once it has passed, also the chair and supervisors.

    Exactly once per deadline and kind: the Reminder row is unique, and a second scan (or a retried task) that meets
    it does nothing. Each reminder commits with its notifications; emails go out after the commit.
    """
    now = now or timezone.now()
    result = ScanResult()
    cache: dict[int, list[User]] = {}
    base = Deadline.objects.filter(status=DeadlineStatus.OPEN).select_related(
        "case__officer", "case__unit__parent__parent", "case__child", "referral__agency", "referral__sent_by"
    )
    soon = base.filter(remind_at__lte=now, due_at__gt=now).exclude(reminders__kind=ReminderKind.DUE_SOON)
    late = base.filter(due_at__lte=now).exclude(reminders__kind=ReminderKind.OVERDUE)
    for kind, deadlines in ((ReminderKind.DUE_SOON, soon), (ReminderKind.OVERDUE, late)):
        for deadline in deadlines.iterator(chunk_size=500):
            if deadline.referral_id:
                sent = _remind_referral(deadline, kind, now, cache)
            else:
                recipients = [deadline.case.officer]
                if kind == ReminderKind.OVERDUE:
                    recipients += _escalation_recipients(deadline.case, cache)
                sent = _remind(deadline, kind, recipients, now)
            if sent is not None:
                result.notifications += sent
                if kind == ReminderKind.DUE_SOON:
                    result.due_soon += 1
                else:
                    result.overdue += 1
    return result


def _remind(deadline: Deadline, kind: str, recipients: list[User], now: dt.datetime) -> int | None:
    case = deadline.case
    due = timezone.localtime(deadline.due_at).strftime("%H:%M %d/%m/%Y")
    what = DeadlineKind(deadline.kind).label
    title = (
        f"Sắp đến hạn: {what} – hồ sơ {case}" if kind == ReminderKind.DUE_SOON else f"Quá hạn: {what} – hồ sơ {case}"
    )
    body = f"Hạn: {due}. Xã, phường: {case.unit.name}. Cán bộ phụ trách: {case.officer}."
    try:
        with transaction.atomic():
            Reminder.objects.create(deadline=deadline, kind=kind, sent_at=now)
            created = notify(
                recipients=recipients,
                title=title,
                body=body,
                url=reverse("cases:case_detail", args=[case.pk]),
                key=f"deadline:{deadline.pk}:{kind}",
            )
    except IntegrityError:
        return None  # another scan got there first
    return len(created)


def _remind_referral(deadline: Deadline, kind: str, now: dt.datetime, cache: dict[int, list[User]]) -> int | None:
    """An agency's answer to a referral: its partners before and after the limit; once it has passed, also the
    commune officer who sent it, the case officer and the supervisors above the commune."""
    referral = deadline.referral
    if referral is None:  # the scan calls this for referral deadlines only
        return None
    case = deadline.case
    due = timezone.localtime(deadline.due_at).strftime("%H:%M %d/%m/%Y")
    late = kind == ReminderKind.OVERDUE
    title = f"{'Quá hạn' if late else 'Sắp đến hạn'} phản hồi chuyển tuyến {referral} – {referral.agency.name}"
    body = f"Hạn phản hồi: {due}. Hồ sơ {case}, {case.unit.name}."
    from referrals.services import agency_partners  # referrals build on cases: imported where needed

    partners = agency_partners(referral.agency_id)
    key = f"deadline:{deadline.pk}:{kind}"
    try:
        with transaction.atomic():
            Reminder.objects.create(deadline=deadline, kind=kind, sent_at=now)
            created = notify(
                recipients=partners,
                title=title,
                body=body,
                url=reverse("referrals:referral_detail", args=[referral.pk]),
                key=key,
            )
            if late:
                commune = [referral.sent_by, case.officer, *_escalation_recipients(case, cache, chairs=False)]
                created += notify(
                    recipients=commune,
                    title=title,
                    body=body,
                    url=reverse("cases:case_detail", args=[case.pk]),
                    key=key,
                )
    except IntegrityError:
        return None  # another scan got there first
    return len(created)
