"""What each step of a periodic report's flow does beyond the table (reporting/workflow.py `TRANSITIONS`).

A handler gets the `StepContext` of the step (the locked report as `record`) inside the transaction of
`reporting.services.report_act`; it validates (a `ValidationError` in Vietnamese), writes what the step records on
the report and returns the note its `ReportEvent` (the report's event row) keeps. Recomputing and freezing the
figures are the table's flags (reporting.services).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from childprotect.workflow import StepContext

from .models import PeriodicReport
from .signers import signer_for

Step = StepContext[PeriodicReport]

TEXT_FIELDS = ("number", "results", "difficulties", "proposals")


def note(step: Step) -> str:
    """The step's note; required when the row needs one (what to correct, why the report is reopened)."""
    text = str(step.data.get("note", "")).strip()
    if "note" in step.transition.needs and not text:
        raise ValidationError(
            {
                "note": _("Ghi rõ lý do mở lại báo cáo.")
                if step.transition.action == "reopen"
                else _("Ghi rõ nội dung cần sửa.")
            }
        )
    return text


def text(step: Step) -> str:
    """The report's text as written (the audit entry says which parts changed, not to what)."""
    written = note(step)
    for name in TEXT_FIELDS:
        if name in step.data:
            value = str(step.data[name]).strip()
            if getattr(step.record, name) != value:
                step.changes[name] = "changed"
            setattr(step.record, name, value)
    return written


def submit(step: Step) -> str:
    """Sign and send: the text as written, and who signs (reporting/signers.py), recorded on the report and in the
    audit entry."""
    written = text(step)
    signer, position = signer_for(step.record, step.actor, step.data.get("signer"))
    step.record.signed_by, step.record.signer_position = signer, position
    step.changes["signer"] = {"id": signer.pk, "name": str(signer), "position": position} if signer else None
    return written


def approve(step: Step) -> str:
    step.record.approved_by, step.record.approved_at = step.actor, step.now
    return note(step)


def reopen(step: Step) -> str:
    reason = note(step)
    step.record.approved_by, step.record.approved_at = None, None
    step.changes["reason"] = reason
    return reason
