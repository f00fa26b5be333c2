"""The periodic report as a document that can be signed digitally (childprotect/signing, docs/signing.md),
registered from ReportingConfig.ready(). What is signed is the stored official PDF of the report's present version,
once the report has been sent (its figures frozen, no DỰ THẢO mark); who signs is who "Ký, gửi báo cáo"
(reporting/workflow.py, the "signer": the commune's chair, a district's or province's supervisor). A report reopened
and sent again is a new version with a PDF of its own, signed anew; the download serves the signed PDF of the version
it serves (reporting/output_views.py, its one-line hook)."""

from __future__ import annotations

from django.urls import reverse

from childprotect.accounts.models import User
from childprotect.signing.registry import register

from .models import PdfStatus, PeriodicReport
from .selectors import periodic_report_get_for
from .services import role_towards
from .workflow import FROZEN


def _render(report: PeriodicReport) -> bytes:
    with report.pdf.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _refusal(report: PeriodicReport) -> str | None:
    if report.status not in FROZEN:
        return "Báo cáo chưa gửi: chỉ ký số báo cáo đã ký, gửi (bản PDF không còn dấu DỰ THẢO)."
    if report.pdf_status != PdfStatus.DONE or not report.pdf or report.pdf_version != report.version:
        return "Chưa có bản PDF theo nội dung hiện tại của báo cáo: hãy tạo bản PDF trước khi ký số."
    return None


def _may_sign(user: User, report: PeriodicReport) -> bool:
    return "signer" in role_towards(user, report.unit)


def register_documents() -> None:
    register(
        "periodic_report",
        "Báo cáo định kỳ (bản PDF chính thức)",
        model=PeriodicReport,
        get_for=periodic_report_get_for,
        render=_render,
        may_sign=_may_sign,
        url=lambda report: reverse("reporting:report_pdf_download", args=[report.pk]),
        reason="Ký, gửi báo cáo định kỳ",
        version=lambda report: str(report.pdf_version),
        refusal=_refusal,
        describe=str,
    )
