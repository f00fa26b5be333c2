"""The chair's decisions (Quyết định …/QĐ-UBND) printed from the steps of a case, one document each.

NĐ 56/2017 makes the Chủ tịch UBND xã decide in their own name: the emergency protection measures (Đ31), the temporary
separation from the carers (Đ32, the decree's Mẫu 07) and its extension and end, the plan's approval (Đ28 k2, Mẫu 05)
and the closure after the review (Đ30). Each is printed in the decision layout of NĐ 30/2020
(docs/law.md#who-signs-a-decision): "CHỦ TỊCH ỦY BAN NHÂN DÂN <XÃ>", Căn cứ…, QUYẾT ĐỊNH:, Điều 1–3, Nơi nhận and
the block of the chair or vice-chair who took the step (accounts/signatures.py `chair_signature`).

The interface (for the views and for whoever stores or signs the documents):
- `DECISION_KINDS`: each `DecisionKind` with its `kind` (the URL's slug), `label`, the workflow `action` whose step
  (`CaseStep`) it prints, and `applies(step)` (the step decided something this document records).
- `decision_steps(case, kind)`: the steps of the case a kind can print, latest first.
- `render_case_document(user, case, kind, step=None) -> (pdf_bytes, filename)`: the PDF of `kind` for `step` (the
  latest step it applies to when None). `case` must come from the selectors (`case_get_for(user, pk)`: out of reach is
  their 404); a user who may not see the child's protected data gets PermissionDenied; an unknown kind, a step of
  another case or kind, or a step that decided nothing this kind prints, Http404. It writes nothing: the caller audits
  the print (CaseAction.PRINT).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from childprotect.accounts.signatures import chair_signature
from childprotect.pdf import render_pdf

from . import selectors
from .models import Case, CaseStep
from .pdf_views import child_rows, plan_of, record_rows, short_name
from .policy import can_see_child_protected

if TYPE_CHECKING:
    from childprotect.accounts.models import User

__all__ = [
    "DECISION_KINDS",
    "DecisionKind",
    "decision_number",
    "decision_steps",
    "render_case_document",
    "render_decision",
]


def _record(step: CaseStep) -> dict[str, Any]:
    return step.record or {}


@dataclass(frozen=True)
class DecisionKind:
    kind: str  # the slug of /cases/<id>/decisions/<kind>.pdf
    label: str  # what the document is, as the case page lists it
    action: str  # the workflow action (cases/workflow.py) whose CaseStep it prints
    template: str
    applies: Callable[[CaseStep], bool]  # the step decided what this document records
    form_number: str = ""  # the decree's form ("05", "07"), printed "Mẫu số …"
    number_key: str = ""  # the record's key holding the decision's number, if the step records one
    date_key: str = ""  # the record's key holding the decision's date; else the step's day


DECISION_KINDS: tuple[DecisionKind, ...] = (
    # "No emergency measure needed" decides nothing to carry out: no decision is printed (the finding stays on the
    # step's record and timeline).
    DecisionKind(
        "emergency",
        "Quyết định áp dụng biện pháp bảo vệ khẩn cấp",
        "decide_emergency",
        "pdf/decisions/emergency.html",
        lambda s: bool(_record(s).get("emergency_needed")),
        number_key="decision_number",
    ),
    # NĐ 56 Đ32; provincial procedure sheets list "Quyết định về việc tạm thời cách ly trẻ em khỏi cha, mẹ, người
    # chăm sóc trẻ em (Mẫu số 07 ban hành kèm theo Nghị định số 56/2017/NĐ-CP)": a decision of its own.
    DecisionKind(
        "separation",
        "Quyết định tạm thời cách ly trẻ em (Mẫu 07)",
        "decide_emergency",
        "pdf/decisions/separation.html",
        lambda s: bool(_record(s).get("emergency_needed") and _record(s).get("separation_until")),
        form_number="07",
        number_key="separation_decision_number",
    ),
    DecisionKind(
        "separation-extension",
        "Quyết định gia hạn tạm thời cách ly trẻ em",
        "extend_separation",
        "pdf/decisions/separation_extension.html",
        lambda s: True,
        number_key="extension_decision_number",
        date_key="extension_decided_on",
    ),
    DecisionKind(
        "separation-end",
        "Quyết định chấm dứt việc tạm thời cách ly trẻ em",
        "end_separation",
        "pdf/decisions/separation_end.html",
        lambda s: True,
        number_key="end_decision_number",
        date_key="end_decided_on",
    ),
    DecisionKind(
        "plan-approval",
        "Quyết định phê duyệt kế hoạch hỗ trợ, can thiệp (Mẫu 05)",
        "approve_plan",
        "pdf/forms/mau05.html",
        lambda s: True,
        form_number="05",
        number_key="decision_number",
    ),
    DecisionKind(
        "closure",
        "Quyết định kết thúc hỗ trợ, can thiệp, đóng hồ sơ",
        "approve_closure",
        "pdf/decisions/closure.html",
        lambda s: True,
    ),
)
BY_KIND = {k.kind: k for k in DECISION_KINDS}
ACTIONS = frozenset(k.action for k in DECISION_KINDS)


def kinds_for_step(step: CaseStep) -> list[DecisionKind]:
    """The decisions a timeline step prints (no query: the step's action and record)."""
    if step.action not in ACTIONS:
        return []
    return [k for k in DECISION_KINDS if k.action == step.action and k.applies(step)]


def decision_number(value: Any) -> str:
    """ "15" → "15/QĐ-UBND"; a full number ("15/QĐ-UBND", "15/2026/QĐ-UBND") as recorded; blank: dots to fill in."""
    number = str(value or "").strip()
    if not number:
        return "......./QĐ-UBND"
    return number if "/" in number else f"{number}/QĐ-UBND"


def decision_steps(case: Case, kind: str) -> list[CaseStep]:
    """The steps of `case` that `kind` prints, latest first; [] for an unknown kind."""
    found = BY_KIND.get(kind)
    if found is None:
        return []
    steps = selectors.case_timeline(case).filter(action=found.action).order_by("-at", "-id")
    return [s for s in steps if found.applies(s)]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        # A step's record keeps dates as its JSON encoder wrote them: dd/mm/yyyy (older records: ISO).
        try:
            return dt.datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007 (a calendar day, no time)
        except ValueError:
            pass
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def child_line(case: Case) -> str:
    """ "Trần Thị Thuỷ, nữ, sinh ngày 02/06/2014, cư trú tại Phường Hạc Thành" (Điều 1 of each decision)."""
    child = case.child
    born = f"sinh ngày {child.date_of_birth:%d/%m/%Y}" if child.date_of_birth else f"sinh năm {child.birth_year}"
    where = ", ".join(p for p in [child.address, child.residence_unit.name] if p)
    return f"{child.full_name}, {child.get_sex_display().lower()}, {born}, cư trú tại {where}"


def _first_step(case: Case, action: str, before: CaseStep | None = None) -> CaseStep | None:
    steps = selectors.case_timeline(case).filter(action=action)
    if before is not None:
        steps = steps.filter(at__lte=before.at)
    return steps.order_by("-at", "-id").first()


def _context(case: Case, kind: DecisionKind, step: CaseStep) -> dict[str, Any]:
    record = _record(step)
    date = _date(record.get(kind.date_key)) if kind.date_key else None
    context: dict[str, Any] = {
        "kind": kind,
        "form_number": kind.form_number,
        "doc_ref": str(case),
        "case": case,
        "child": case.child,
        "child_line": child_line(case),
        "child_rows": child_rows(case),
        "carers": list(case.child.carers.all()),
        "unit": case.unit,
        "issuer_name": case.unit.name,
        "place": short_name(case.unit),
        "report": case.report,
        "step": step,
        "record": record,
        "rows": record_rows(step),
        "date": date or timezone.localtime(step.at).date(),
        "number": decision_number(record.get(kind.number_key) if kind.number_key else ""),
        "signature": chair_signature(step.actor),
        "signer_name": chair_signature(step.actor).name,
    }
    if kind.action == "decide_emergency":
        context["assessment"] = _first_step(case, "assess_initial", before=step)
        context["separation_until"] = _date(record.get("separation_until"))
        measure = case.emergency_measures.filter(decided_at=step.at).first()
        context["measure"] = measure
    elif kind.action in ("extend_separation", "end_separation"):
        decided = _first_step(case, "decide_emergency", before=step)
        context["separation_step"] = decided
        if decided is not None:
            context["separation_number"] = decision_number(_record(decided).get("separation_decision_number"))
            context["separation_date"] = timezone.localtime(decided.at).date()
            context["separation_placement"] = _record(decided).get("placement", "")
        context["separation_until"] = _date(record.get("separation_until"))
        context["previous_until"] = _date(record.get("previous_until"))
    elif kind.action == "approve_plan":
        plan = plan_of(case, step)
        context.update(plan=plan, activities=list(plan.activities.all()))
        if not kind.number_key or not record.get(kind.number_key):
            context["number"] = decision_number(plan.decision_number)
    elif kind.action == "approve_closure":
        context["review"] = case.reviews.filter(at__lte=step.at).order_by("-at", "-id").first()
        context["proposal"] = _first_step(case, "propose_closure", before=step)
        context["plan"] = case.plans.filter(status="approved").order_by("-number").first()
    return context


def pick_step(case: Case, kind: DecisionKind, step: CaseStep | int | None) -> CaseStep:
    """The step asked for (an id or a step of this case and kind that decided something), or the latest; Http404."""
    steps = decision_steps(case, kind.kind)
    if step is None:
        if not steps:
            raise Http404
        return steps[0]
    wanted = step.pk if isinstance(step, CaseStep) else step
    for candidate in steps:
        if candidate.pk == wanted:
            return candidate
    raise Http404


def render_case_document(user: User, case: Case, kind: str, step: CaseStep | int | None = None) -> tuple[bytes, str]:
    """The PDF of the decision `kind` (DECISION_KINDS) taken at `step` of `case`, and its file name."""
    found = BY_KIND.get(kind)
    if found is None:
        raise Http404
    if not can_see_child_protected(user, case.child):
        raise PermissionDenied("Bạn không có quyền in quyết định của hồ sơ này.")
    picked = pick_step(case, found, step)
    return render_decision(case, found, picked), f"{case}-quyet-dinh-{found.kind}-{picked.pk}.pdf"


def render_decision(case: Case, kind: DecisionKind, step: CaseStep) -> bytes:
    """The PDF of `kind` for a step already picked (pick_step) and reached: what is printed, and what is signed
    (cases/signing.py). No access check: the callers have made theirs."""
    with translation.override("vi"):
        return render_pdf(kind.template, _context(case, kind, step))
