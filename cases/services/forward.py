"""The intake workflow's writes (cases/intake_workflow.py): forwarding a report to the commune where the incident
happened (NĐ 56 Đ26 k1; docs/architecture.md#moves)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from cases.alerts import report_alert
from cases.intake_handlers import cases_moved_on
from cases.intake_workflow import TRANSITIONS, Transition
from cases.models import Report, ReportStatus, ReportStep
from cases.responsible import commune_staff
from childprotect.accounts.models import User
from childprotect.accounts.policy import acts_for_agency
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.audit.actions import report_step
from childprotect.core.services import notify
from childprotect.workflow import StepContext, Workflow

__all__ = ["INTAKE", "intake_act", "forward_blocked"]


def _who(actor: User, report: Report, transition: Transition) -> str | None:
    """The commune holding the report (its officer or chair), a supervisor over it, the partner who logged it."""
    if actor.role not in transition.roles:
        return (
            "Chỉ cán bộ, lãnh đạo UBND cấp xã, cán bộ giám sát hoặc người đã tiếp nhận thông tin "
            f"mới được “{transition.label}”."
        )
    if acts_for_agency(actor):
        if report.received_by_id != actor.pk:
            return "Chỉ người đã tiếp nhận thông tin này mới được chuyển thông tin."
        return None
    if not user_reaches_unit(actor, report.incident_unit):
        return "Thông tin này nằm ngoài địa bàn bạn phụ trách."
    return None


def _not_deleted(actor: User, report: Report, transition: Transition) -> str | None:
    if report.deleted_at is not None:
        return "Thông tin này đã bị xoá; không thể thực hiện."
    return None


def _after(step: StepContext[Report], event: ReportStep, record: dict[str, Any]) -> None:
    """The receiving commune's staff are told, with the start of the 12-hour clock (the first receipt, kept)."""
    report, actor = step.record, step.actor
    target, source = step.extra["to_unit"], step.extra["from_unit"]
    staff = commune_staff(target.pk).exclude(pk=actor.pk)
    notify(
        recipients=staff,
        title=f"Thông tin {report.reference} được chuyển đến {target.name}",
        body=(
            f"{actor.full_name or actor.username} ({source.name}) đã chuyển thông tin, thông báo, tố giác này đến "
            f"{target.name}, nơi xảy ra vụ việc. Cần đánh giá nguy cơ ban đầu trong 12 giờ kể từ khi tiếp nhận lần "
            f"đầu: {timezone.localtime(report.received_at):%H:%M %d/%m/%Y}. Lý do chuyển: {record['reason'][:300]}"
        ),
        url=reverse("cases:report_detail", args=[report.pk]),
        key=f"report:{report.pk}:step:{event.pk}",
        **report_alert(report, target.pk),
    )


INTAKE: Workflow[Report, Transition] = Workflow(
    transitions=TRANSITIONS,
    # Every report, the deleted (hidden) ones too, so that one deleted meanwhile is refused in words (`_not_deleted`).
    lock=lambda: Report.all_objects.select_for_update().select_related("incident_unit", "received_by"),
    state_field="status",
    states=ReportStatus,
    event_model=ReportStep,
    event_of="report",
    audit_action=report_step,
    unknown="Không có bước “{action}” đối với thông tin, thông báo, tố giác.",
    stale="Thông tin này vừa được người khác cập nhật (có thể đã được chuyển đi). Nội dung bạn nhập vẫn còn dưới "
    "đây; hãy xem lại thông tin rồi gửi lại.",
    state_refusal="Không thể “{label}” khi thông tin đang ở trạng thái “{state}”.",
    who=_who,
    checks=(_not_deleted,),
    event=lambda step, record: {"record": record},
    after=_after,
)


def intake_act(*, actor: User, report: Report, action: str, version: int, data: dict[str, Any]) -> ReportStep:
    """Take `action` of the intake table on `report`, as edited from `version` (childprotect/workflow.py)."""
    event: ReportStep = INTAKE.act(actor=actor, record=report, action=action, version=version, data=data)
    return event


def forward_blocked(actor: User, report: Report) -> str | None:
    """Why someone who would forward this report may not, when it is because its cases went on (the report page says
    so, in place of the button): they are transferred instead."""
    row = INTAKE.get("forward")
    if row is None or INTAKE.role_or_state_refusal(actor, report, row) is not None:
        return None
    return cases_moved_on(actor, report)
