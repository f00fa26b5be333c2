"""A periodic report's flow (docs/law.md#periodic-reports) as one table: commune → (district) → province.

Who may take a step depends on the person's place relative to the report's unit:
- "preparer": the unit's own staff: a commune's officer or chair; a district's or province's supervisor;
- "signer": who signs it off: the commune chair (TM. UBND xã); for a district or province, its supervisor;
- "reviewer": a supervisor of a unit above the report's unit. A province's report has none: once sent it is final;
- "approver": the supervisor who approved the report, or a supervisor of a unit above theirs.

A report may be sent (and approved) only once its period has ended (from `Period.send_opens`): `after_period`.
Reopening an approved report (with a reason) makes it editable again; the next sending makes a new sent version, and
every sent version stays in the history (SentVersion).

Each row carries its handler (reporting/handlers.py) and its form (reporting/forms.py); `reporting.services.REPORTS`
binds the table to the engine (childprotect/workflow.py), which takes its steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from childprotect.workflow import Transition as Row

from . import forms as f
from . import handlers as h
from .models import ReportStatus as S


@dataclass(frozen=True)
class Transition(Row):
    who: str  # preparer | signer | reviewer
    needs: tuple[str, ...] = ()
    recomputes: bool = False  # the figures are computed again from the data (or from the units below)
    freezes: bool = False  # the figures at this moment become the report's for good
    after_period: bool = False  # refused before the period's sending opens (Period.send_opens)


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    Transition("edit", "Soạn nội dung báo cáo", (S.DRAFT, S.RETURNED), S.DRAFT, "preparer",
               handler=h.text, form=f.TextForm),
    Transition("recompute", "Tính lại số liệu", (S.DRAFT, S.RETURNED), S.DRAFT, "preparer",
               handler=h.note, form=f.ConfirmForm, recomputes=True),
    Transition("submit", "Ký, gửi báo cáo", (S.DRAFT, S.RETURNED), S.SUBMITTED, "signer",
               handler=h.submit, form=f.SubmitForm, recomputes=True, freezes=True, after_period=True),
    Transition("approve", "Phê duyệt báo cáo", (S.SUBMITTED,), S.APPROVED, "reviewer",
               handler=h.approve, form=f.ConfirmForm, after_period=True),
    Transition("return", "Trả lại để sửa", (S.SUBMITTED,), S.RETURNED, "reviewer",
               handler=h.note, form=f.NoteForm, needs=("note",)),
    Transition("reopen", "Mở lại báo cáo đã duyệt", (S.APPROVED,), S.RETURNED, "approver",
               handler=h.reopen, form=f.ReasonForm, needs=("note",)),
)
# fmt: on

BY_ACTION = {t.action: t for t in TRANSITIONS}
FROZEN = (S.SUBMITTED, S.APPROVED)


def waiting_on(status: str) -> frozenset[str]:
    """Who a report in `status` waits on: everyone with a step from there (the preparer and the signer on a draft or
    a returned report, the reviewer on a sent one). An approved report waits on no one."""
    if status == S.APPROVED:
        return frozenset()
    return frozenset(s.who for s in TRANSITIONS if status in s.sources)


def next_transitions(status: str, relations: set[str]) -> list[Transition]:
    """The steps a person who is `relations` to the report's unit takes on it in `status`; the one that sends the
    report on (signing) first."""
    if not relations & waiting_on(status):
        return []
    return sorted((s for s in TRANSITIONS if status in s.sources and s.who in relations), key=lambda s: not s.freezes)
