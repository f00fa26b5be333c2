"""The chair's decisions of a case as PDF (cases/documents.py): a thin view, like the forms' (cases/pdf_views.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from childprotect.audit.actions import CaseAction
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import pdf_response
from childprotect.signing.selectors import signed_pdf

from . import selectors
from .documents import BY_KIND, pick_step, render_case_document
from .policy import can_see_child_protected
from .services import record_view


@login_required
@require_safe
def case_decision_pdf(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    """A decision of the case (`?step=<id>` for an earlier one); out of reach or not decided: 404; a person who may
    not see the child's protected data: 403. Every print is audited with the kind and the step."""
    if kind not in BY_KIND:
        raise Http404
    case = selectors.case_get_for(request.user, pk)  # out of reach: 404
    if not can_see_child_protected(request.user, case.child):
        raise PermissionDenied("Bạn không có quyền in quyết định của hồ sơ này.")
    wanted = request.GET.get("step", "")
    if wanted and not wanted.isdigit():
        raise Http404
    step = pick_step(case, BY_KIND[kind], int(wanted) if wanted else None)  # not decided (yet): 404
    pdf, filename = render_case_document(request.user, case, kind, step)  # checks again who may see it
    pdf = signed_pdf(kind, step) or pdf  # once signed, the stored signed PDF is the document
    record_view(actor=request.user, obj=case, action=CaseAction.PRINT, details={"decision": kind, "step": step.pk})
    return pdf_response(pdf, filename)
