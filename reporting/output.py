"""The periodic report as documents: the official PDF (NĐ 30/2020 layout) and the spreadsheet (XLSX).

Both print the figures frozen in the report (`report.figures`, reporting/indicators.py), never a new computation:
what was sent is what is printed, and the PDF and the spreadsheet always agree. The PDF is made by a Celery task
(reporting/tasks.py) that reports its progress; the spreadsheet is small and made in the request.

The PDF's body is the report itself: the table of the indicators' totals, then each indicator's breakdowns for the
whole reporting unit as lines of text. A district's or province's figures by commune (150 rows and more per
indicator) are not in the body: after the signature, the annex ("Phụ lục", NĐ 30/2020 Phụ lục I, Phần I, Mục III)
has one table with a row per commune and a column for each of a handful of indicators (`Indicator.annex`). The
spreadsheet has every indicator by commune (sheet "Theo xã, phường") and every breakdown row in long format.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from typing import Any

import tablib
from django.conf import settings
from django.utils import timezone, translation

from cases.pdf_views import short_name
from childprotect.accounts.signatures import Issuer, SignatureBlock, block_for, unit_issuer
from childprotect.pdf import render_pdf
from childprotect.places.models import AdminUnit, UnitLevel

from . import indicators
from .models import PeriodicReport, ReportStatus

__all__ = ["report_pdf_bytes", "report_xlsx_bytes", "report_context", "report_filename", "by_commune"]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DRAFT_STATUSES = (ReportStatus.DRAFT, ReportStatus.RETURNED)
NOT_SENT = "Chưa gửi báo cáo"
NOT_SENT_UNSTAFFED = "Chưa gửi báo cáo (chưa có tài khoản sử dụng hệ thống)"
TT13_HEADING = "Mã chỉ tiêu (TT 13/2021)"
DIRECT_HEADING = "Đếm trực tiếp từ hồ sơ"
GAP_HEADING = "Chênh lệch (chưa có trong báo cáo đã gửi)"
BY_COMMUNE = "commune"  # the breakdown printed in the annex (reporting/indicators.py COMMUNE: where each case was)
_SMALL_WORDS = {"và", "-", "–"}


def agency_abbreviation(name: str) -> str:
    """The agency's letters in a document number (NĐ 30/2020): "Sở Y tế" → "SYT",
    "Sở Lao động - Thương binh và Xã hội" → "SLĐTBXH"."""
    return "".join(word[0].upper() for word in name.split() if word.lower() not in _SMALL_WORDS and word[0].isalpha())


def _lower_type(unit: AdminUnit) -> str:
    """ "Tỉnh Thanh Hóa" → "tỉnh Thanh Hóa", "Thành phố Hà Nội" (a "Thành phố Trung ương") → "thành phố Hà Nội":
    the unit's type inside a sentence."""
    for kind in (unit.unit_type, unit.type_word.capitalize()):
        if kind and unit.name.startswith(kind + " "):
            return kind.lower() + unit.name[len(kind) :]
    return unit.name


def _province(unit: AdminUnit) -> AdminUnit:
    chain = unit.ancestors()
    return chain[0] if chain else unit


def _signature(report: PeriodicReport, issuer: Issuer) -> SignatureBlock:
    """The block of the signer recorded when the report was sent (reporting/signers.py); a draft's has no name."""
    signer = report.signed_by if report.status not in DRAFT_STATUSES else None
    return block_for(
        str(signer) if signer is not None else "",
        report.signer_position,
        head_title=issuer.head_title,
        deputy_title=issuer.deputy_title,
        on_behalf_of=issuer.on_behalf_of,
    )


def _issuer(report: PeriodicReport) -> dict[str, Any]:
    """Who issues the report, how it is numbered and signed, and where it goes (NĐ 30/2020, Phụ lục I).

    A province's report is its agency's (CHILDPROTECT_PROVINCE_AGENCY_NAME) under the province's UBND, to the ministry
    (CHILDPROTECT_MINISTRY_RECIPIENT) and the province's UBND; a district's (2024 list) is its agency's
    (CHILDPROTECT_DISTRICT_AGENCY_NAME) under the district's UBND, to the province's agency and the district's UBND;
    a commune's is its UBND's, to the UBND above (its agency named). Signed as reporting/signers.py says."""
    unit = report.unit
    issuer = unit_issuer(unit)
    block = _signature(report, issuer)
    province = _province(unit)
    province_agency = settings.CHILDPROTECT_PROVINCE_AGENCY_NAME
    signed = {"signature_role": list(block.lines), "signer_name": block.name}
    if unit.level != UnitLevel.COMMUNE:
        if unit.level == UnitLevel.PROVINCE:
            recipients = [f"{settings.CHILDPROTECT_MINISTRY_RECIPIENT};", f"UBND {_lower_type(unit)};"]
        else:
            recipients = [f"{province_agency} {_lower_type(province)};", f"UBND {_lower_type(unit)};"]
        return {
            "issuer_parent": f"UBND {unit.name}",
            "issuer_name": issuer.name,
            "issuer_sentence": f"{issuer.name} {_lower_type(unit)}",
            "number_suffix": f"BC-{agency_abbreviation(issuer.name)}",
            **signed,
            "recipients": [*recipients, "Lưu: VT."],
        }
    parent = unit.parent
    if parent is not None and parent.level == UnitLevel.DISTRICT:
        # A commune of a district (2024 list): its report goes to the district.
        above = f"UBND {_lower_type(parent)} ({settings.CHILDPROTECT_DISTRICT_AGENCY_NAME});"
    else:
        above = f"UBND {_lower_type(province)} ({province_agency});"
    return {
        "issuer_parent": "",  # the commune's own UBND: "ỦY BAN NHÂN DÂN" / its name, both the issuing body
        "issuer_name": unit.name,
        "issuer_sentence": f"Ủy ban nhân dân {_lower_type(unit)}",
        "number_suffix": "BC-UBND",
        **signed,
        "recipients": [above, "Lưu: VT."],
    }


def _document_date(report: PeriodicReport) -> dt.date:
    """The date on the report: the day it was sent, or today while it is a draft."""
    if report.status not in DRAFT_STATUSES and report.submitted_at:
        return timezone.localtime(report.submitted_at).date()
    return timezone.localdate()


def _percent(share: float | None) -> str:
    """ "75%", "66,7%" (Vietnamese decimal comma), or "" when there is nothing to measure."""
    if share is None:
        return ""
    text = f"{share * 100:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def _computed_at(report: PeriodicReport) -> dt.datetime | None:
    if report.computed_at:
        return timezone.localtime(report.computed_at)
    raw = report.figures.get("computed_at")
    try:
        return timezone.localtime(dt.datetime.fromisoformat(raw)) if raw else None
    except (TypeError, ValueError):
        return None


def _units(report: PeriodicReport) -> dict[str, Any]:
    """For a district's or province's report: the units whose reports are summed, and those that have not sent."""
    labels = dict(ReportStatus.choices)
    included = [
        {"name": name, "status": str(labels.get(status, status))}
        for _pk, _unit_id, name, status in report.figures.get("included", [])
    ]
    missing = [name for _unit_id, name in report.figures.get("missing", [])]
    # Named since the direct count was added; a report summed before lists the units with accounts only.
    missing_unstaffed = [name for _unit_id, name in report.figures.get("missing_without_accounts", [])]
    counted: dict[str, int] = {}
    for unit in included:
        counted[unit["status"]] = counted.get(unit["status"], 0) + 1
    return {
        "included": included,
        "included_by_status": sorted(counted.items(), key=lambda item: (-item[1], item[0])),
        "missing": missing,
        "missing_unstaffed": missing_unstaffed,
        "expected": len(included) + len(missing),
        "without_accounts": report.figures.get("without_accounts", 0),
    }


def _with_direct(report: PeriodicReport, sections: list[dict[str, Any]]) -> bool:
    """Put beside each summed total the same indicator counted directly from the cases of the area ("direct", and
    "gap": what the reports not sent leave out), when the report has them (a district's or province's summed since
    they were added). Whether it has them."""
    direct = report.figures.get("direct")
    if report.unit.level == UnitLevel.COMMUNE or not isinstance(direct, dict):
        return False
    for section in sections:
        n = direct.get(section["code"])
        section["direct"] = n
        section["gap"] = None if n is None else n - section["total"]
    return True


def _referral_answers(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """F03 by agency type, for the lines under the table: "Y tế: 9/10 đúng hạn (90%); mục tiêu ≥ 90%"."""
    rows = indicators.referral_answers(figures)
    for row in rows:
        row["percent"] = _percent(row["share"])
        target = row["target"]
        row["target_text"] = "" if target is None else _percent(target / 100)
        row["below_target"] = target is not None and row["share"] is not None and row["share"] * 100 < target
    return rows


def alphabetical(name: str) -> tuple[str, str]:
    """A sort key for Vietnamese names: letters without their marks first ("Xã Đông Tiến" among the D's, after
    every "Xã D…"), then the name as written."""
    spelled = name.replace("Đ", "D\uffff").replace("đ", "d\uffff")
    plain = "".join(ch for ch in unicodedata.normalize("NFD", spelled) if not unicodedata.combining(ch))
    return plain.casefold(), name


def by_commune(report: PeriodicReport, *, annex_only: bool = False) -> dict[str, Any]:
    """A district's or province's figures by commune as one table: a row per commune, a column per indicator broken
    down by commune (or only those of the PDF's annex), and the report's totals.

    The rows are the communes in any breakdown, and the communes whose own report was summed with nothing to count
    (zeros). Each commune's report counts its own commune only, so a column adds up to the report's total.
    """
    figures = report.figures.get("indicators", {})
    columns = [
        (number, indicator)
        for number, indicator in enumerate(indicators.INDICATORS, start=1)
        if BY_COMMUNE in indicator.dims_by_name and (indicator.annex or not annex_only)
    ]
    rows: dict[Any, dict[str, Any]] = {}
    for j, (_number, indicator) in enumerate(columns):
        for key, label, n in figures.get(indicator.code, {}).get("by", {}).get(BY_COMMUNE, []):
            row = rows.setdefault(key, {"name": label, "values": [0] * len(columns)})
            row["values"][j] = n
    summed = set(report.figures.get("units", []))
    for _pk, unit_id, name, _status in report.figures.get("included", []):
        if unit_id in summed and unit_id not in rows:
            rows[unit_id] = {"name": name, "values": [0] * len(columns)}
    return {
        "columns": [
            {"number": number, "code": i.code, "tt13": i.tt13, "label": i.label, "heading": i.annex or i.label}
            for number, i in columns
        ],
        "rows": sorted(rows.values(), key=lambda row: alphabetical(row["name"])),
        "totals": [figures.get(i.code, {}).get("total", 0) for _number, i in columns],
    }


def report_context(report: PeriodicReport) -> dict[str, Any]:
    """Everything the official PDF prints (templates/pdf/periodic_report.html)."""
    figures = report.figures.get("indicators", {})
    issuer = _issuer(report)
    number = report.number.strip()
    if not number:
        number_text = f"......./{issuer['number_suffix']}"
    elif "/" in number:
        number_text = number  # typed in full ("12/BC-UBND")
    else:
        number_text = f"{number}/{issuer['number_suffix']}"
    period = report.period
    aggregate = report.unit.level != UnitLevel.COMMUNE
    # By commune: in the annex for a district or province; for a commune, one row equal to the total (left out).
    sections = indicators.sections(figures)
    for section in sections:
        section["by_commune"] = any(dim["name"] == BY_COMMUNE for dim in section["dims"])
        section["dims"] = [dim for dim in section["dims"] if dim["name"] != BY_COMMUNE]
    has_direct = _with_direct(report, sections)
    date = _document_date(report)
    annex = by_commune(report, annex_only=True) if aggregate else None
    return {
        **issuer,
        "report": report,
        "period": period,
        "place": short_name(report.unit),
        "date": date,
        "number_line": f"Số: {number_text}",
        "is_draft": report.status in DRAFT_STATUSES,
        "sections": sections,
        "on_time": _percent(indicators.on_time_share(figures)),
        "on_time_settings": _percent(indicators.on_time_share(figures, "T02")),
        "has_direct": has_direct,
        "referral_answers": _referral_answers(figures),
        "computed_at": _computed_at(report),
        "aggregate": aggregate,
        "annex": annex,
        "annex_numbers": ", ".join(str(c["number"]) for c in annex["columns"]) if annex else "",
        "annex_ref": f"Kèm theo Báo cáo số {number_text} ngày {date:%d/%m/%Y} của {issuer['issuer_sentence']}",
        **_units(report),
        "doc_ref": f"Báo cáo {period.label} – {report.unit.name}",
    }


def report_filename(report: PeriodicReport, extension: str) -> str:
    """ "bao-cao-semiannual-2026-Tinh-Thanh-Hoa.pdf" (ascii_filename() strips the marks)."""
    return f"bao-cao-{report.kind}-{report.year}-{report.unit.name}.{extension}"


def report_pdf_bytes(report: PeriodicReport, progress: Callable[[int], None] | None = None) -> bytes:
    """The report's official PDF as it is now; `progress(percent)` is told how far the work has gone."""

    def tell(percent: int) -> None:
        if progress is not None:
            progress(percent)

    with translation.override("vi"):
        context = report_context(report)
        tell(30)
        pdf = render_pdf("pdf/periodic_report.html", context)
        tell(90)
    return pdf


def report_xlsx_bytes(report: PeriodicReport) -> bytes:
    """The report's figures as a spreadsheet: the totals, the breakdowns (long format, for pivot tables), the units
    summed and every indicator by commune (a district's or province's report), and what the report is."""
    with translation.override("vi"):
        figures = report.figures.get("indicators", {})
        sections = indicators.sections(figures)
        has_direct = _with_direct(report, sections)
        headers = ["Mã", TT13_HEADING, "Chỉ tiêu", "Đơn vị tính", "Số lượng"]
        if has_direct:
            headers += [DIRECT_HEADING, GAP_HEADING]
        summary = tablib.Dataset(headers=headers, title="Tổng hợp")
        detail = tablib.Dataset(
            headers=["Mã", TT13_HEADING, "Chỉ tiêu", "Phân tổ", "Nội dung", "Số lượng"], title="Chi tiết"
        )
        for section in sections:
            line = [section["code"], section["tt13"], section["label"], section["unit_word"], section["total"]]
            if has_direct:
                line += [section["direct"], section["gap"]]
            summary.append(line)
            for dim in section["dims"]:
                for row in dim["rows"]:
                    detail.append(
                        [section["code"], section["tt13"], section["label"], dim["label"], row["label"], row["n"]]
                    )
        sheets = [summary, detail]
        answers = _referral_answers(figures)
        if answers:
            timely = tablib.Dataset(
                headers=["Loại cơ quan", "Số lượt phản hồi", "Đúng hạn", "Tỷ lệ đúng hạn", "Mục tiêu"],
                title="Phản hồi chuyển tuyến",
            )
            for row in answers:
                timely.append([row["label"], row["total"], row["met"], row["percent"], row["target_text"]])
            sheets.append(timely)
        units = _units(report)
        if report.unit.level != UnitLevel.COMMUNE:
            listed = tablib.Dataset(headers=["Đơn vị", "Tình trạng báo cáo"], title="Đơn vị")
            for unit in units["included"]:
                listed.append([unit["name"], unit["status"]])
            for name in units["missing"]:
                listed.append([name, NOT_SENT])
            for name in units["missing_unstaffed"]:
                listed.append([name, NOT_SENT_UNSTAFFED])
            sheets.append(listed)
            table = by_commune(report)
            wide = tablib.Dataset(
                headers=[
                    "Xã, phường",
                    *(
                        f"{c['code']}. {c['label']}" + (f" ({TT13_HEADING}: {c['tt13']})" if c["tt13"] else "")
                        for c in table["columns"]
                    ),
                ],
                title="Theo xã, phường",
            )
            for row in table["rows"]:
                wide.append([row["name"], *row["values"]])
            wide.append(["Tổng số", *table["totals"]])
            sheets.append(wide)
        about = tablib.Dataset(headers=["Mục", "Nội dung"], title="Thông tin")
        computed = _computed_at(report)
        share = _percent(indicators.on_time_share(figures))
        about.extend(
            [
                ["Đơn vị báo cáo", report.unit.name],
                ["Kỳ báo cáo", report.period.label],
                ["Số liệu từ ngày", report.period_start.strftime("%d/%m/%Y")],
                ["Đến ngày", report.period_end.strftime("%d/%m/%Y")],
                ["Trạng thái", str(ReportStatus(report.status).label)],
                ["Số văn bản", report.number],
                ["Tỷ lệ bước có thời hạn luật định thực hiện đúng hạn", share or "Không phát sinh"],
                [
                    "Tỷ lệ bước có thời hạn theo cấu hình hệ thống thực hiện đúng hạn",
                    _percent(indicators.on_time_share(figures, "T02")) or "Không phát sinh",
                ],
                ["Số liệu tính lúc", computed.strftime("%H:%M %d/%m/%Y") if computed else ""],
            ]
        )
        if report.unit.level != UnitLevel.COMMUNE:
            about.extend(
                [
                    ["Số đơn vị đã gửi báo cáo", str(len(units["included"]))],
                    ["Số đơn vị chưa gửi báo cáo", str(len(units["missing"]))],
                    ["Số đơn vị chưa có tài khoản sử dụng hệ thống", str(units["without_accounts"])],
                ]
            )
        sheets.append(about)
        book = tablib.Databook(sheets)
        # escape: a label typed as "=..." stays text, never a formula run when the file is opened.
        data: bytes = book.export("xlsx", escape=True, column_width="adaptive")
    return data
