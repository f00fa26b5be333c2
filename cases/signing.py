"""The case documents that can be signed digitally (childprotect/signing, docs/signing.md), registered from
CasesConfig.ready(). Each decision is a step of the case (CaseStep): Mẫu 05 is the chair's approval of the plan
(`approve_plan`). A decision added later registers the same way: its kind, the step's action, its form's number.

What is signed is exactly what the download prints (cases/pdf_views.py, the same context and template); once signed,
that view serves the stored signed PDF instead (its one-line hook)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils import translation

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_sign_for_commune
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import render_pdf
from childprotect.signing.registry import register

from . import selectors
from .models import CaseStep
from .policy import can_see_child_protected

# kind → (the step's action, the form's number, what the signature means): the decisions the chair signs.
DECISIONS = {
    "mau05": ("approve_plan", "05", "Phê duyệt kế hoạch hỗ trợ, can thiệp (NĐ 56/2017 Điều 28 khoản 2)"),
}


def _step_get_for(action: str) -> Callable[[User, int], CaseStep]:
    def get_for(user: User, pk: int) -> CaseStep:
        step = CaseStep.objects.filter(pk=pk, action=action).only("pk", "case_id").first()
        if step is None:
            raise Http404
        case = selectors.case_get_for(user, step.case_id)  # out of reach: 404
        if not can_see_child_protected(user, case.child):
            raise PermissionDenied("Bạn không có quyền xem văn bản của hồ sơ này.")
        step = selectors.case_timeline(case).select_related("actor").get(pk=pk)
        step.case = case
        return step

    return get_for


def _render(form: str) -> Callable[[CaseStep], bytes]:
    def render(step: CaseStep) -> bytes:
        from .pdf_views import _case_context  # the download's own context: what is signed is what is printed

        request = HttpRequest()
        request.GET = QueryDict(f"step={step.pk}")
        with translation.override("vi"):
            context = _case_context(cast(AuthenticatedRequest, request), step.case, form)
            return render_pdf(f"pdf/forms/mau{form}.html", context)

    return render


def _chair_of_the_commune(user: User, step: CaseStep) -> bool:
    """The chair or a vice-chair (Position: head or deputy) of the case's commune signs its decisions."""
    return user.is_active and can_sign_for_commune(user) and user.unit_id == step.case.unit_id


def _url(form: str) -> Callable[[CaseStep], str]:
    def url(step: CaseStep) -> str:
        return reverse("cases:case_form_pdf", args=[step.case_id, form]) + f"?step={step.pk}"

    return url


def _describe(form: str) -> Callable[[CaseStep], str]:
    def describe(step: CaseStep) -> str:
        number = (step.record or {}).get("decision_number") or ""
        return f"Mẫu {form} của hồ sơ {step.case}" + (f", số {number}" if number else "") + f" ({step.at:%d/%m/%Y})"

    return describe


def register_documents() -> None:
    for kind, (action, form, reason) in DECISIONS.items():
        register(
            kind,
            f"Mẫu {form}: {reason}",
            model=CaseStep,
            get_for=_step_get_for(action),
            render=_render(form),
            may_sign=_chair_of_the_commune,
            url=_url(form),
            reason=reason,
            describe=_describe(form),
            record=lambda step: step.case,
        )
