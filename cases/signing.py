"""The case documents that can be signed digitally (childprotect/signing, docs/signing.md), registered from
CasesConfig.ready(): every decision of the chair (cases/documents.py DECISION_KINDS: emergency measures, the Mẫu 07
separation, its extension and end, the Mẫu 05 plan approval, the closure), each the document of one step (CaseStep).

What is signed is exactly what the download prints (documents.render_decision); once signed, the downloads
(cases/decision_views.py, and Mẫu 05 in cases/pdf_views.py) serve the stored signed PDF instead.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_sign_for_commune
from childprotect.signing.registry import register

from . import selectors
from .documents import DECISION_KINDS, DecisionKind, decision_number, pick_step, render_decision
from .models import CaseStep
from .policy import can_see_child_protected

# What a signature of each decision means (the signature's /Reason), with the article that gives the chair the power.
REASONS = {
    "emergency": "Quyết định áp dụng biện pháp bảo vệ khẩn cấp (NĐ 56/2017 Điều 31)",
    "separation": "Quyết định tạm thời cách ly trẻ em (NĐ 56/2017 Điều 32, Mẫu 07)",
    "separation-extension": "Quyết định gia hạn tạm thời cách ly trẻ em (NĐ 56/2017 Điều 32)",
    "separation-end": "Quyết định chấm dứt tạm thời cách ly trẻ em (NĐ 56/2017 Điều 32)",
    "plan-approval": "Phê duyệt kế hoạch hỗ trợ, can thiệp (NĐ 56/2017 Điều 28 khoản 2, Mẫu 05)",
    "closure": "Quyết định kết thúc hỗ trợ, can thiệp, đóng hồ sơ (NĐ 56/2017 Điều 30)",
}


def _step_get_for(kind: DecisionKind) -> Callable[[User, int], CaseStep]:
    def get_for(user: User, pk: int) -> CaseStep:
        step = CaseStep.objects.filter(pk=pk, action=kind.action).only("pk", "case_id").first()
        if step is None:
            raise Http404
        case = selectors.case_get_for(user, step.case_id)  # out of reach: 404
        if not can_see_child_protected(user, case.child):
            raise PermissionDenied("Bạn không có quyền xem văn bản của hồ sơ này.")
        picked = pick_step(case, kind, pk)  # a step that decided nothing this kind prints: 404
        picked.case = case
        return picked

    return get_for


def _render(kind: DecisionKind) -> Callable[[CaseStep], bytes]:
    return lambda step: render_decision(step.case, kind, step)


def _the_chair_who_decided(user: User, step: CaseStep) -> bool:
    """The chair or vice-chair of the case's commune who took the step: the block printed names them, so the
    signature must be theirs."""
    return (
        user.is_active and can_sign_for_commune(user) and user.unit_id == step.case.unit_id and user.pk == step.actor_id
    )


def _url(kind: DecisionKind) -> Callable[[CaseStep], str]:
    return lambda step: reverse("cases:case_decision_pdf", args=[step.case_id, kind.kind]) + f"?step={step.pk}"


def _describe(kind: DecisionKind) -> Callable[[CaseStep], str]:
    def describe(step: CaseStep) -> str:
        number = decision_number((step.record or {}).get(kind.number_key)) if kind.number_key else ""
        numbered = f", số {number}" if number and not number.startswith(".") else ""
        return f"{kind.label} của hồ sơ {step.case}{numbered} ({step.at:%d/%m/%Y})"

    return describe


def register_documents() -> None:
    for kind in DECISION_KINDS:
        register(
            kind.kind,
            kind.label,
            model=CaseStep,
            get_for=_step_get_for(kind),
            render=_render(kind),
            may_sign=_the_chair_who_decided,
            url=_url(kind),
            reason=REASONS[kind.kind],
            describe=_describe(kind),
            record=lambda step: step.case,
        )
