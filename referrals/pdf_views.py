"""The referral letter (Phiếu chuyển tuyến, giấy đề nghị hỗ trợ) as PDF: what the commune sends the agency on paper.

One letter for everyone who reaches the referral (referrals.selectors: out of reach is 404): the commune keeps a copy
in the dossier, and the agency's partners print the letter addressed to them; both print the same content. It holds
what the agency needs to act (need to know, NĐ 56 Đ33): the child, the carers, the forms of abuse, the request and the
consent; the suspected perpetrators only when the addressee is an agency of criminal procedure (referrals.policy),
whoever prints it; never the reporter nor the report's own account of the facts. The layout is the official one of
NĐ 30/2020 (templates/pdf/base_official.html).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe

from cases.pdf_views import short_name
from cases.policy import can_see_child_protected
from cases.selectors import report_abuse_form_labels
from childprotect.accounts.policy import acts_for_agency
from childprotect.audit.actions import ReferralAction
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import ascii_filename, pdf_response, render_pdf
from childprotect.places.models import AdminUnit

from . import selectors
from .models import Consent, Referral, ReferralStatus, Urgency
from .policy import referral_carries_perpetrators
from .services import referral_record_view


@dataclass(frozen=True)
class Line:
    """One printed "label: value" line."""

    label: str
    value: str


def _unit_line(unit: AdminUnit) -> str:
    """ "Phường Hạc Thành, Tỉnh Thanh Hóa": the unit and the units above it."""
    return ", ".join(u.name for u in [unit, *reversed(unit.ancestors())])


def child_lines(referral: Referral) -> list[Line]:
    """What the agency needs to find the referral's child: name, sex, birth, where the child lives."""
    child = referral.case.child
    if child.date_of_birth:
        born = Line("Ngày sinh", child.date_of_birth.strftime("%d/%m/%Y"))
    else:
        born = Line("Năm sinh", f"{child.birth_year}{' (ước tính)' if child.birth_year_estimated else ''}")
    lines = [Line("Họ và tên trẻ em", child.full_name)]
    if child.other_names:
        lines.append(Line("Tên gọi khác", child.other_names))
    lines += [Line("Giới tính", child.get_sex_display()), born]
    residence = ", ".join(p for p in [child.address, _unit_line(child.residence_unit)] if p)
    lines.append(Line("Nơi cư trú", residence))
    return lines


def carer_text(full_name: str, relation: str, phone: str) -> str:
    """ "Lê Thị Ngọc (mẹ), điện thoại 0912 000 111"."""
    text = f"{full_name} ({relation})" if relation else full_name
    return f"{text}, điện thoại {phone}" if phone else text


def _letter_date(referral: Referral) -> dt.date:
    """The date on the letter: the day it was sent, or today for a draft (or a draft withdrawn before sending)."""
    return timezone.localtime(referral.sent_at or timezone.now()).date()


def _letter_context(request: AuthenticatedRequest, referral: Referral) -> dict[str, Any]:
    case = referral.case
    child = case.child
    report = case.report
    show_perpetrators = referral_carries_perpetrators(referral)  # the addressee's need, whoever prints
    deadline = selectors.referral_open_deadline(referral)
    signer = referral.sent_by or referral.created_by
    consent = dict(Consent.choices)
    return {
        "referral": referral,
        "case": case,
        "agency": referral.agency,
        "doc_ref": f"{referral} · {case}",
        "issuer_name": case.unit.name,
        "place": short_name(case.unit),
        "date": _letter_date(referral),
        "is_draft": referral.status == ReferralStatus.DRAFT,
        "is_withdrawn": referral.status == ReferralStatus.WITHDRAWN,
        "is_urgent": referral.urgency == Urgency.URGENT,
        "urgency_label": referral.get_urgency_display(),
        "response_due": (
            f"{timezone.localtime(deadline.due_at):%H:%M} ngày {timezone.localtime(deadline.due_at):%d/%m/%Y}"
            if deadline
            else ""
        ),
        "child_lines": child_lines(referral),
        "carers": [carer_text(c.full_name, c.relation, c.phone) for c in child.carers.all()],
        "abuse_forms": report_abuse_form_labels(report),
        "report": report,  # the incident's date and place, and its urgent signs; never the reporter or description
        "incident_place": ", ".join(p for p in [report.incident_place, _unit_line(report.incident_unit)] if p),
        "show_perpetrators": show_perpetrators,
        "perpetrators": list(report.perpetrators.select_related("relation")) if show_perpetrators else [],
        "child_consent": str(consent.get(referral.child_consent, referral.child_consent)),
        "carer_consent": str(consent.get(referral.carer_consent, referral.carer_consent)),
        "signer": signer,
        "signer_name": str(signer),
    }


@login_required
@require_safe
def referral_letter(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The referral letter for whoever reaches the referral: the commune's staff and the supervisors above it, the
    agency's partners while they hold the grant, administrators. Everyone else: 404. Each print is audited."""
    referral = selectors.referral_get_for(request.user, pk)  # out of reach (or the grant gone): 404
    # As on the referral's page: partners see what the letter addressed to them holds; others need the child's data.
    if not acts_for_agency(request.user) and not can_see_child_protected(request.user, referral.case.child):
        raise PermissionDenied("Bạn không có quyền in phiếu chuyển tuyến này.")
    with translation.override("vi"):
        context = _letter_context(request, referral)
        pdf = render_pdf("pdf/referral_letter.html", context, request=request)
    referral_record_view(
        actor=request.user,
        referral=referral,
        action=ReferralAction.PRINT,
        details={
            "status": referral.status,
            "agency": referral.agency_id,
            "perpetrators_shown": context["show_perpetrators"],
        },
    )
    return pdf_response(pdf, ascii_filename(f"phieu-chuyen-tuyen-{referral}.pdf"))
