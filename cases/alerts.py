"""What the cases app's alerts say beyond the bell (docs/alerts.md#what-leaves): their kind, urgency, commune, the
record's reference, what is due (a phrase of the vocabulary registered below) and when.

SMS and Zalo carry only those fields, never the title or the body: nothing here may hold a name or the abuse."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from childprotect.alerts.models import AlertKind
from childprotect.places.models import AdminUnit

from .deadlines import compute
from .models import Case, Deadline, DeadlineKind, Report


def safe_phrases() -> Iterable[str]:
    """The fixed vocabulary of what may be said due: the deadlines' kinds, the steps of reports and cases."""
    from .intake_workflow import TRANSITIONS as INTAKE
    from .workflow import TRANSITIONS as CASEWORK

    return [str(k.label) for k in DeadlineKind] + [str(t.label) for t in (*INTAKE, *CASEWORK)]


def report_alert(report: Report, unit: AdminUnit | int) -> dict[str, Any]:
    """A report arriving in (or forwarded to) the commune `unit`: its 12-hour clock runs from the first receipt, so
    the alert is urgent (it passes quiet hours and goes up the chain when nobody opens it)."""
    due, _ = compute(DeadlineKind.EMERGENCY, report.received_at)
    return {
        "kind": AlertKind.NEW_REPORT,
        "urgent": True,
        "unit": unit,
        "ref": report.reference,
        "what": str(DeadlineKind.EMERGENCY.label),
        "due_at": due,
    }


def case_alert(case: Case, kind: str = AlertKind.OTHER, what: str = "") -> dict[str, Any]:
    """An alert about a case: its commune and code; `what`, a step's name."""
    return {"kind": kind, "unit": case.unit_id, "ref": str(case), "what": str(what)}


def deadline_alert(deadline: Deadline, reminder: str) -> dict[str, Any]:
    """A deadline's reminder (`reminder`: due_soon or overdue), as `Keyed` fields: urgent for the 12-hour emergency
    limit, before and after it passes."""
    return {
        "kind": AlertKind.DUE_SOON if reminder == AlertKind.DUE_SOON else AlertKind.OVERDUE,
        "urgent": deadline.kind == DeadlineKind.EMERGENCY,
        "unit_id": deadline.case.unit_id,
        "ref": str(deadline.referral) if deadline.referral_id else str(deadline.case),
        "what": str(DeadlineKind(deadline.kind).label),
        "due_at": deadline.due_at,
    }
