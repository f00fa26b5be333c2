"""What each step of the intake workflow does beyond the table (cases/intake_workflow.py `TRANSITIONS`).

A handler gets the `StepContext` of the step (the actor, the locked report as `record`, the form's `data`, `now`)
inside the transaction of `cases.services.intake_act`, after the version check and the refusal; it validates (a
`ValidationError` in Vietnamese undoes everything) and returns the record stored on the step's `ReportStep`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from childprotect.accounts.models import User
from childprotect.accounts.policy import acts_for_agency
from childprotect.audit.actions import ReportAction
from childprotect.audit.services import audit_record
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.workflow import StepContext

from .custody import custody_move
from .models import Case, CaseState, Report
from .responsible import least_loaded_officer

Step = StepContext[Report]

MOVED_ON = (
    "Đã có hồ sơ vụ việc của thông tin này qua bước tiếp nhận ban đầu: không chuyển thông tin được nữa; "
    "hãy chuyển hồ sơ vụ việc sang xã, phường nơi trẻ em đang sống (chuyển hồ sơ)."
)


def cases_moved_on(actor: User, report: Report) -> str | None:
    """The forward's guard: a report whose cases have left their first step is no longer forwarded; its cases are
    transferred one by one (cases/workflow.py `request_transfer`), with the work done on them."""
    return MOVED_ON if report.cases.exclude(state=CaseState.RECEIVED).exists() else None


def forward_target_refusal(actor: User, report: Report, target: AdminUnit) -> str | None:
    """Why `report` may not go to `target`, in Vietnamese; None if it may.

    A commune of the list in force (NĐ 56 Đ26 k1: the commune where the incident happened), not the report's own.
    Commune staff and supervisors forward anywhere in the country (forwarding is the receiving body's obligation,
    whatever the place); a partner within the area their agency serves, as they log reports (`logging_reach`).
    """
    if target.level != UnitLevel.COMMUNE:
        return f"{target.name} không phải là xã, phường, đặc khu: chỉ chuyển thông tin đến UBND cấp xã."
    if target.list_version != settings.CHILDPROTECT_CURRENT_UNIT_LIST:
        return (
            f"{target.name} thuộc danh mục đơn vị hành chính {target.list_version}, không còn hiệu lực; "
            f"hãy chọn xã, phường của danh mục {settings.CHILDPROTECT_CURRENT_UNIT_LIST}."
        )
    if target.pk == report.incident_unit_id:
        return f"Thông tin này đã thuộc {target.name}; hãy chọn xã, phường khác."
    if acts_for_agency(actor) and (actor.agency is None or not actor.agency.unit.contains(target)):
        return f"{target.name} nằm ngoài địa bàn cơ quan của bạn phụ trách; hãy báo cán bộ cấp xã hoặc cấp tỉnh chuyển."
    return None


def forward(ctx: Step) -> dict[str, Any]:
    """Send the report to the commune where the incident happened, with its cases (still at their first step).

    The clocks keep running from the first receipt (NĐ 56 Đ26 k3: 12 hours from receiving the report): neither
    `received_at` nor the cases' deadlines change, and the reference number stays. The cases' new officer is the
    receiving commune's active officer with the fewest open cases; their stays are kept (`custody_move`).
    """
    report, actor, now = ctx.record, ctx.actor, ctx.now
    target, reason = ctx.data.get("to_unit"), str(ctx.data.get("reason") or "").strip()
    if not isinstance(target, AdminUnit):
        raise ValidationError({"to_unit": "Cần chọn xã, phường nhận thông tin."})
    if not reason:
        raise ValidationError({"reason": "Cần ghi lý do chuyển thông tin."})
    refusal = forward_target_refusal(actor, report, target)
    if refusal:
        raise ValidationError({"to_unit": refusal})
    # Locked, so that no step is taken on a case while it moves; every case, the deleted (hidden) ones too, so that
    # one restored later is where its report is.
    cases = list(Case.all_objects.select_for_update().filter(report=report).order_by("id"))
    if any(c.state != CaseState.RECEIVED for c in cases if c.deleted_at is None):
        raise ValidationError(MOVED_ON)
    officer = least_loaded_officer(target) if cases else None
    if cases and officer is None:
        raise ValidationError(
            {
                "to_unit": f"{target.name} chưa có cán bộ bảo vệ trẻ em nào đang làm việc trên hệ thống để nhận hồ sơ "
                "của trẻ em; hãy báo cán bộ giám sát cấp tỉnh."
            }
        )
    source = report.incident_unit
    if officer is not None:
        for case in cases:
            custody_move(case, target, now)
            previous = case.officer_id
            case.unit, case.officer = target, officer
            case.version += 1
            case.save(update_fields=["unit", "officer", "version"])
            audit_record(
                actor=actor,
                action=ReportAction.FORWARD,
                obj=case,
                changes={"unit": [source.key, target.key], "officer": [previous, officer.pk], "report": report.pk},
            )
    report.incident_unit = target
    ctx.changes.update(incident_unit=[source.key, target.key], cases=[c.pk for c in cases])
    ctx.event.update(from_unit=source, to_unit=target)
    ctx.extra.update(from_unit=source, to_unit=target)
    return {"reason": reason, "from": source.name, "to": target.name}
