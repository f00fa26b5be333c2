"""What a sender may know of a report it sent (docs/api.md#status): where it is and how far each child's case has
gone, never what the commune has learnt since (no names, no assessments, no plans). The same shape answers
`GET /api/v1/reports/<reference>/` and is the `report` of every webhook event."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases import workflow as case_flow
from cases.models import Case, CaseState, CaseStep, Report, ReportStatus

OPENING_LABEL = "Mở hồ sơ"  # the case's first history row, made by no step of the table


def _iso(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def step_label(action: str) -> str:
    row = case_flow.BY_ACTION.get(action)
    return str(row.label) if row is not None else (OPENING_LABEL if action == "open" else action)


def report_status(report: Report) -> dict[str, Any]:
    """The report's status: the commune holding it, and per child (numbered in the order they were attached, which
    is the order the sender listed them) the case's state and last step. Two queries."""
    cases = list(Case.objects.filter(report=report).order_by("id"))
    last: dict[int, CaseStep] = {}
    for step in CaseStep.objects.filter(case__in=[c.pk for c in cases]).order_by("case_id", "at", "id"):
        last[step.case_id] = step
    unit = report.incident_unit
    return {
        "reference": report.reference,
        "received_at": _iso(report.received_at),
        "commune": {"code": unit.code, "name": unit.name},
        "status": report.status,
        "status_label": str(ReportStatus(report.status).label),
        "cases": [
            {
                "number": number,
                "state": case.state,
                "state_label": str(CaseState(case.state).label),
                "last_step": (
                    {"action": s.action, "label": step_label(s.action), "at": _iso(s.at)}
                    if (s := last.get(case.pk)) is not None
                    else None
                ),
                "closed_at": _iso(case.closed_at),
            }
            for number, case in enumerate(cases, start=1)
        ],
    }
