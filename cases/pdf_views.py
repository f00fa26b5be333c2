"""The official forms of NĐ 56/2017 (Mẫu 01–06) as PDF, for the paper dossier the commune files and signs.

Thin views: reach the record through the selectors (out of reach: 404), check who may print it, gather what the
step recorded with the labels of the form it was entered in, print through childprotect.pdf, audit the print.
`?step=<id>` prints an earlier step of the same kind (a case reviewed three times has three Mẫu 06).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from childprotect.audit.actions import CaseAction, ReportAction
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import pdf_response, render_pdf
from childprotect.places.models import AdminUnit
from childprotect.signing.selectors import signed_pdf

from . import selectors
from .mau01 import report_form_context
from .models import Case, CaseStep, Plan, ProtectionLevel, RiskLevel
from .policy import can_see_child_protected
from .services import record_view
from .workflow import BY_ACTION, TRANSITIONS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Form number → the workflow action whose step it prints (cases/workflow.py, Transition.official_form).
FORM_ACTIONS = {t.official_form: t.action for t in TRANSITIONS if t.official_form}
# Keys a step may store that no form field names, and keys printed elsewhere on the form (or not at all).
EXTRA_LABELS = {
    "separation_until": "Cách ly đến ngày",
    "report": "Thông tin số",
    "plan_number": "Kế hoạch số",
    "harm_level": "Mức độ tổn hại hiện tại",  # a review recorded before Mẫu 06's criteria were kept
    "abuser_has_access": "Người xâm hại còn tiếp cận được trẻ",
}
NOT_PRINTED = {"version", "activities", "plan_number", "offline"}  # offline: the timeline shows it
# Choice codes the forms may not declare (older records): the model's choices.
CHOICES: dict[str, dict[str, StrOrPromise]] = {
    "risk_level": dict(RiskLevel.choices),
    "harm_level": dict(RiskLevel.choices),
    "level": dict(ProtectionLevel.choices),
}


@dataclass(frozen=True)
class Row:
    """One printed line: "label: value", or a paragraph under its label (long=True)."""

    key: str
    label: str
    value: str
    long: bool = False


def _value(value: Any, field: forms.Field | None, key: str) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if value is None or value == "":
        return ""
    choices = {str(k): str(v) for k, v in (getattr(field, "choices", None) or CHOICES.get(key, {}).items())}
    if isinstance(value, list | tuple):
        return "; ".join(_value(v, field, key) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v, None, k)}" for k, v in value.items())
    return choices.get(str(value), str(value))


def record_rows(step: CaseStep) -> list[Row]:
    """The step's record in the order of its form, with the form's labels; values the form doesn't know follow."""
    record: dict[str, Any] = step.record or {}
    transition = BY_ACTION.get(step.action)
    form_class = transition.form if transition else None
    fields = dict(form_class.base_fields) if form_class else {}
    keys = [k for k in fields if k in record] + [k for k in record if k not in fields]
    rows = []
    for key in keys:
        if key in NOT_PRINTED:
            continue
        field = fields.get(key)
        label = str(field.label) if field is not None and field.label else EXTRA_LABELS.get(key, key)
        long = field is not None and isinstance(field.widget, forms.Textarea)
        rows.append(Row(key, label, _value(record[key], field, key), long))
    return rows


def short_name(unit: AdminUnit) -> str:
    """The place name of the date line (NĐ 30/2020): "Phường Hạc Thành" → "Hạc Thành"."""
    for prefix in (unit.unit_type, "Thành phố", "Thị xã", "Thị trấn", "Tỉnh", "Phường", "Xã", "Đặc khu"):
        if prefix and unit.name.startswith(prefix + " "):
            return unit.name[len(prefix) + 1 :]
    return unit.name


def _local_date(at: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(at).date() if at else None


def _unit_line(unit: AdminUnit) -> str:
    return ", ".join(u.name for u in [unit, *reversed(unit.ancestors())])


def child_rows(case: Case) -> list[Row]:
    """Who the form is about: the case, the child's identity, where the child lives and who cares for them."""
    child = case.child
    if child.date_of_birth:
        born = Row("date_of_birth", "Ngày sinh", child.date_of_birth.strftime("%d/%m/%Y"))
    else:
        estimated = " (ước tính)" if child.birth_year_estimated else ""
        born = Row("birth_year", "Năm sinh", f"{child.birth_year}{estimated}")
    rows = [Row("case", "Hồ sơ số", str(case)), Row("full_name", "Họ và tên trẻ em", child.full_name)]
    if child.other_names:
        rows.append(Row("other_names", "Tên gọi khác", child.other_names))
    rows += [Row("sex", "Giới tính", child.get_sex_display()), born]
    if child.ethnicity_id:
        rows.append(Row("ethnicity", "Dân tộc", str(child.ethnicity)))
    residence = ", ".join(p for p in [child.address, _unit_line(child.residence_unit)] if p)
    rows.append(Row("residence", "Nơi cư trú", residence))
    if child.school:
        rows.append(Row("school", "Trường, lớp", ", ".join(p for p in [child.school, child.school_class] if p)))
    carers = "; ".join(f"{c.full_name} ({c.relation})" if c.relation else c.full_name for c in child.carers.all())
    if carers:
        rows.append(Row("carers", "Cha, mẹ, người chăm sóc", carers))
    rows += [
        Row("unit", "Xã, phường thụ lý", _unit_line(case.unit)),
        Row("officer", "Cán bộ phụ trách", str(case.officer)),
    ]
    return rows


def _pick_step(request: AuthenticatedRequest, case: Case, action: str) -> CaseStep:
    """The step of `action` asked for by ?step=, or the latest; 404 when the case has none (not done yet)."""
    steps = selectors.case_timeline(case).filter(action=action)
    wanted = request.GET.get("step", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        step = steps.filter(pk=int(wanted)).first()
    else:
        step = steps.order_by("-at", "-id").first()
    if step is None:
        raise Http404
    return step


def plan_of(case: Case, step: CaseStep) -> Plan:
    """The plan a step drafted, approved or reviewed (its record's plan_number); 404 when it names none."""
    number = (step.record or {}).get("plan_number")
    plan = case.plans.select_related("drafted_by", "approved_by").filter(number=number).first() if number else None
    if plan is None:
        raise Http404
    return plan


def _case_context(request: AuthenticatedRequest, case: Case, form: str) -> dict[str, Any]:
    context: dict[str, Any] = {
        "form_number": form,
        "doc_ref": str(case),
        "case": case,
        "child": case.child,
        "child_rows": child_rows(case),
        "unit": case.unit,
        "issuer_name": case.unit.name,
        "place": short_name(case.unit),
        "report": case.report,
    }
    action = FORM_ACTIONS[form]
    if form == "04":
        # The plan drafted by the step asked for, or the latest plan (whatever its status: the draft is printed for
        # the chair to approve, and an approved plan for the dossier).
        if request.GET.get("step"):
            plan = plan_of(case, _pick_step(request, case, action))
        else:
            latest = case.plans.select_related("drafted_by", "approved_by").order_by("-number").first()
            if latest is None:
                raise Http404
            plan = latest
        context.update(plan=plan, date=_local_date(plan.drafted_at), signer_name=str(plan.drafted_by))
    else:
        step = _pick_step(request, case, action)
        context.update(step=step, rows=record_rows(step), date=_local_date(step.at), signer_name=str(step.actor))
        if form == "06":  # Mẫu 05 is a decision (cases/documents.py)
            context["plan"] = plan_of(case, step)
        if form == "02":
            # The chair's decision that followed this assessment is a document of its own (cases/documents.py): the
            # assessment only refers to it, by its number when one was recorded.
            decision = (
                selectors.case_timeline(case)
                .filter(action="decide_emergency", at__gte=step.at)
                .order_by("at", "id")
                .first()
            )
            if decision is not None:
                record = decision.record or {}
                context["emergency"] = decision
                context["emergency_needed"] = bool(record.get("emergency_needed"))
                number = str(record.get("decision_number") or "").strip()
                context["emergency_number"] = number if "/" in number or not number else f"{number}/QĐ-UBND"
    if "plan" in context:
        context["activities"] = list(context["plan"].activities.all())
    return context


@login_required
@require_safe
def case_form_pdf(request: AuthenticatedRequest, pk: int, form: str) -> HttpResponse:
    """Mẫu 02–06 of a case, as recorded by its steps; a form whose step has not happened yet is 404."""
    if form not in FORM_ACTIONS:
        raise Http404
    case = selectors.case_get_for(request.user, pk)  # out of reach: 404
    if not can_see_child_protected(request.user, case.child):
        raise PermissionDenied("Bạn không có quyền in biểu mẫu của hồ sơ này.")
    if form == "05":
        # Mẫu 05 is the chair's decision approving the plan: printed like every decision (cases/documents.py).
        from .documents import render_case_document  # documents builds on this module's rows

        step = _pick_step(request, case, FORM_ACTIONS[form])
        pdf = signed_pdf("plan-approval", step) or render_case_document(request.user, case, "plan-approval", step)[0]
        record_view(actor=request.user, obj=case, action=CaseAction.PRINT, details={"form": form})
        return pdf_response(pdf, f"{case}-mau-{form}.pdf")
    with translation.override("vi"):
        context = _case_context(request, case, form)
        pdf = render_pdf(f"pdf/forms/mau{form}.html", context, request=request)
    record_view(actor=request.user, obj=case, action=CaseAction.PRINT, details={"form": form})
    return pdf_response(pdf, f"{case}-mau-{form}.pdf")


@login_required
@require_safe
def report_form_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mẫu 01 of a report; the reporter and the children only for those who may see them (NĐ 56 Đ33)."""
    report = selectors.report_get_for(request.user, pk)  # out of reach: 404
    context = report_form_context(request.user, report)  # cases/mau01.py: the receiving body's Mẫu 01
    show_reporter = context["show_reporter"]
    with translation.override("vi"):
        pdf = render_pdf("pdf/forms/mau01.html", context, request=request)
    record_view(
        actor=request.user,
        obj=report,
        action=ReportAction.PRINT,
        details={"form": "01", "reporter_shown": show_reporter},
    )
    return pdf_response(pdf, f"{report.reference}-mau-01.pdf")
