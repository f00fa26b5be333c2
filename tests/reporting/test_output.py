"""The periodic report's official PDF (made by the Celery task, followed on its status page, downloaded) and its
spreadsheet: read back with poppler and openpyxl, the figures checked against the cases the test itself built, and
who may get them. Real WeasyPrint renders, kept few (~0.5 s each): the province report, a draft, a long report, and a
province summed from 40 communes (the annex by commune).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from collections import Counter
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from childprotect.audit.models import AuditEntry
from childprotect.places.models import AdminUnit, UnitLevel
from reporting.indicators import BY_CODE, INDICATORS
from reporting.models import PdfStatus, PeriodicReport, ReportStatus
from reporting.output import agency_abbreviation, alphabetical, report_pdf_bytes, report_xlsx_bytes
from reporting.services import report_prepare
from tests.support.builders import SEMI
from tests.support.builders import report_step as act
from tests.support.clock import JUNE, TZ
from tests.support.pages import NATIONAL, page_count, pdf_text

pytestmark = [
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.clock_at(JUNE),
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"),
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEX_LABELS = {"female": "Nữ", "male": "Nam"}
# The children the test reports: (commune, name, sex, received in the period?). One before the period starts.
CHILDREN = [
    ("a", "Nguyễn Thị Lan", "female", True),
    ("a", "Lê Thị Hoa", "female", True),
    ("a", "Trần Văn Nam", "male", True),
    ("a", "Phạm Thị Cúc", "female", False),  # received 01/12/2025: before 15/12/2025, not in the report
    ("b", "Đỗ Thị Mận", "female", True),
    ("b", "Hoàng Văn Bảo", "male", True),
]
BEFORE_PERIOD = dt.datetime(2025, 12, 1, 10, 0, tzinfo=TZ)
# The indicators that have a column in the annex by commune, in its order.
ANNEX_CODES = [i.code for i in INDICATORS if i.annex]


@pytest.fixture
def sent_province(case_in, officer_a, officer_b, chair_a, chair_b, supervisor, commune_a, commune_b, commune_report):
    """Both communes' reports sent and approved; the province's report prepared and sent by the supervisor."""
    units = {"a": (officer_a, commune_a), "b": (officer_b, commune_b)}
    for where, name, sex, in_period in CHILDREN:
        officer, unit = units[where]
        extra = {} if in_period else {"received_at": BEFORE_PERIOD}
        case_in(officer, unit, name, child={"sex": sex}, **extra)
    for officer, chair, unit in ((officer_a, chair_a, commune_a), (officer_b, chair_b, commune_b)):
        report = commune_report(officer, unit)
        act(chair, report, "submit", number="07")
        act(supervisor, report, "approve")
    province = report_prepare(actor=supervisor, unit=supervisor.unit, kind=SEMI, year=2026)
    act(
        supervisor,
        province,
        "submit",
        number="15",
        results="Các xã, phường đã tiếp nhận và xử lý kịp thời các thông tin về xâm hại trẻ em.",
        difficulties="Thiếu cán bộ chuyên trách ở một số xã.",
        proposals="Đề nghị bổ sung kinh phí tập huấn.",
    )
    province.refresh_from_db()
    return province


def expected_counts() -> dict:
    """The figures counted from CHILDREN directly, not through the indicators."""
    counted = [c for c in CHILDREN if c[3]]
    return {
        "children": len(counted),
        "by_sex": Counter(sex for _w, _n, sex, _in in counted),
        "by_commune": Counter(where for where, *_rest in counted),
    }


def annex_table(text: str) -> tuple[dict[str, list[int]], list[int]]:
    """The annex's rows read back from the PDF's text, {commune: [figure per column]}, and its "Tổng số" row."""
    numbers = r" (\d+)" * len(ANNEX_CODES)
    start = r"(?:^| )(\d+) ((?:Xã|Phường|Thị trấn) .+?)"  # STT and name: up to the figures before the next row
    end = r"(?= \d+ (?:Xã|Phường|Thị trấn) | Tổng số | Báo cáo |$)"  # next row, the total row, a page's footer
    rows: dict[str, list[int]] = {}
    for found in re.finditer(start + numbers + end, text):
        assert found.group(2) not in rows, f"{found.group(2)} printed twice"
        rows[found.group(2)] = [int(v) for v in found.groups()[2:]]
    total = re.search(rf"Tổng số{numbers}{end}", text)
    assert total, "no total row"
    return rows, [int(v) for v in total.groups()]


def urls(report) -> dict[str, str]:
    return {
        "status": reverse("reporting:report_pdf", args=[report.pk]),
        "download": reverse("reporting:report_pdf_download", args=[report.pk]),
        "xlsx": reverse("reporting:report_xlsx", args=[report.pk]),
    }


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_province_report_is_printed_with_the_figures_of_the_cases(
    client, tmp_path, monkeypatch, django_capture_on_commit_callbacks, sent_province, supervisor, province
):
    report = sent_province
    link = urls(report)
    seen: list[int] = []
    import reporting.services as services

    real_progress = services._pdf_progress

    def progress(pk: int, p: int, *a: Any) -> None:
        seen.append(p)
        real_progress(pk, p, *a)

    monkeypatch.setattr(services, "_pdf_progress", progress)

    client.force_login(supervisor)
    page = client.get(link["status"])
    assert page.status_code == 200 and "Tạo bản PDF" in page.content.decode()
    assert client.get(link["download"]).status_code == 404  # nothing made yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link["status"])
    assert response.status_code == 302 and response["Location"] == link["status"]  # PRG

    report.refresh_from_db()
    assert (report.pdf_status, report.pdf_progress, report.pdf_version) == (PdfStatus.DONE, 100, report.version)
    assert seen[:3] == [10, 30, 90]
    page = client.get(link["status"]).content.decode()
    assert link["download"] in page and "100%" in page and 'http-equiv="refresh"' not in page

    response = client.get(link["download"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert re.search(r'filename="[A-Za-z0-9._-]+\.pdf"', response["Content-Disposition"])
    assert AuditEntry.objects.filter(action="report.pdf_download", object_id=str(report.pk)).count() == 1

    pdf = body(response)
    text = pdf_text(tmp_path, pdf)
    agency = settings.CHILDPROTECT_PROVINCE_AGENCY_NAME
    for expected in (
        NATIONAL,
        "UBND TỈNH THANH HÓA",
        agency.upper(),
        f"Số: 15/BC-{agency_abbreviation(agency)}",
        "Thanh Hóa, ngày 14 tháng 6 năm 2026",
        "BÁO CÁO",
        "6 tháng đầu năm 2026",
        "(Số liệu từ ngày 15/12/2025 đến ngày 14/06/2026)",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. KHÓ KHĂN, VƯỚNG MẮC",
        "Thiếu cán bộ chuyên trách ở một số xã.",
        "III. KIẾN NGHỊ, ĐỀ XUẤT",
        "Đề nghị bổ sung kinh phí tập huấn.",
        "Bộ Y tế (Cục Bà mẹ và Trẻ em);",
        "GIÁM ĐỐC",
    ):
        assert expected in text, expected
    assert "DỰ THẢO" not in text
    assert supervisor.full_name not in text  # staff, no signer named: the head's title, no name (test_signers.py)

    # The figures equal the cases the test built (the one received before the period is left out).
    want = expected_counts()
    n, female, male = want["children"], want["by_sex"]["female"], want["by_sex"]["male"]
    assert (n, female, male) == (5, 3, 2)
    assert f"Số trẻ em trong các thông tin, thông báo, tố giác đã tiếp nhận: {n} trẻ em." in text
    assert f"Số thông tin, thông báo, tố giác về xâm hại trẻ em đã tiếp nhận: {n} thông tin." in text
    assert f"5.1. Theo giới tính: Nữ: {female}; Nam: {male}." in text
    a, b = want["by_commune"]["a"], want["by_commune"]["b"]
    # By commune: not in the body; one row per commune in the annex after the signature, a column per indicator.
    body_text, annex_text = text.split("SỐ LIỆU THEO XÃ, PHƯỜNG")
    assert "Theo xã, phường" not in body_text and "GIÁM ĐỐC" in body_text
    assert "(Kèm theo Báo cáo số 15/BC-" in annex_text
    rows, totals = annex_table(annex_text)
    children = ANNEX_CODES.index("C04")
    assert {name: values[children] for name, values in rows.items()} == {"Phường Hạc Thành": a, "Phường Hàm Rồng": b}
    assert totals[children] == n
    # The units summed, and those below without accounts (all of the province's communes but A and B).
    assert "Số đơn vị đã gửi báo cáo: 2/2 đơn vị sử dụng hệ thống (đã phê duyệt: 2)." in text
    without = AdminUnit.objects.filter(parent=province).count() - 2
    assert f"chưa có tài khoản sử dụng hệ thống (không thuộc diện tổng hợp): {without}, chưa gửi báo cáo: " in text

    # The spreadsheet carries the same figures.
    response = client.get(link["xlsx"])
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;") and ".xlsx" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="report.xlsx", object_id=str(report.pk)).count() == 1
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Tổng hợp", "Chi tiết", "Đơn vị", "Theo xã, phường", "Thông tin"]
    summary = {row[0]: row for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["C04"][4] == n and summary["R01"][4] == n and summary["C02"][4] == n
    detail = list(book["Chi tiết"].iter_rows(min_row=2, values_only=True))
    by_sex = {r[4]: r[5] for r in detail if r[0] == "C04" and r[3] == "Theo giới tính"}
    assert by_sex == {SEX_LABELS[k]: v for k, v in want["by_sex"].items()}
    by_commune = {r[4]: r[5] for r in detail if r[0] == "C04" and r[3] == "Theo xã, phường"}
    assert by_commune == {"Phường Hạc Thành": a, "Phường Hàm Rồng": b}
    listed = {r[0]: r[1] for r in book["Đơn vị"].iter_rows(min_row=2, values_only=True)}
    sent = {name: status for name, status in listed.items() if not status.startswith("Chưa gửi")}
    assert sent == {"Phường Hạc Thành": "Đã phê duyệt", "Phường Hàm Rồng": "Đã phê duyệt"}
    assert len(listed) - len(sent) == without  # every other commune named, as not sent
    wide = list(book["Theo xã, phường"].iter_rows(values_only=True))
    column = next(j for j, heading in enumerate(wide[0]) if heading.startswith("C04. "))
    assert {r[0]: r[column] for r in wide[1:]} == {"Phường Hạc Thành": a, "Phường Hàm Rồng": b, "Tổng số": n}

    # Asked again while current: nothing is queued; once the report changes, the PDF is stale and the link goes.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(link["status"])
    assert callbacks == []
    PeriodicReport.objects.filter(pk=report.pk).update(version=report.version + 1)
    page = client.get(link["status"]).content.decode()
    assert link["download"] not in page and "Tạo lại bản PDF" in page


def test_the_status_page_refreshes_itself_while_the_pdf_is_made(client, supervisor, province):
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    PeriodicReport.objects.filter(pk=report.pk).update(pdf_status=PdfStatus.RUNNING, pdf_progress=30)
    client.force_login(supervisor)
    page = client.get(urls(report)["status"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "30%" in page
    assert client.get(urls(report)["download"]).status_code == 404  # not done


def test_outsiders_get_neither_the_pdf_nor_the_spreadsheet(
    client, django_capture_on_commit_callbacks, officer_b, police, supervisor, province
):
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    PeriodicReport.objects.filter(pk=report.pk).update(pdf_status=PdfStatus.DONE, pdf_version=report.version)
    link = urls(report)
    for name, url in link.items():
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], name
    assert client.post(link["status"]).status_code == 302
    for outsider in (officer_b, police):  # a commune officer on the province's report; a partner on any report
        client.force_login(outsider)
        for name, url in link.items():
            assert client.get(url).status_code == 404, (outsider, name)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert client.post(link["status"]).status_code == 404
        assert callbacks == []
    report.refresh_from_db()
    assert report.pdf_status == PdfStatus.DONE
    assert not AuditEntry.objects.filter(action__in=["report.pdf_download", "report.xlsx", "report.pdf_request"])


def test_a_draft_commune_report_is_marked_as_such(tmp_path, case_in, officer_a, commune_a, commune_report):
    case_in(officer_a, commune_a, "Nguyễn Văn An")
    report = commune_report(officer_a, commune_a)
    assert report.status == ReportStatus.DRAFT
    steps: list[int] = []
    text = pdf_text(tmp_path, report_pdf_bytes(report, progress=steps.append))
    assert steps == [30, 90]
    for expected in (
        "DỰ THẢO",
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG HẠC THÀNH",
        "Số: ......./BC-UBND",
        "Hạc Thành, ngày 14 tháng 6 năm 2026",  # a draft carries today's date
        "Số trẻ em trong các thông tin, thông báo, tố giác đã tiếp nhận: 1 trẻ em.",
        "UBND tỉnh Thanh Hóa (Sở Y tế);",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    ):
        assert expected in text, expected
    assert "Đơn vị đã gửi báo cáo" not in text  # a commune sums no units

    book = openpyxl.load_workbook(io.BytesIO(report_xlsx_bytes(report)))
    assert book.sheetnames == ["Tổng hợp", "Chi tiết", "Thông tin"]  # no units sheet for a commune
    summary = {row[0]: row[4] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["C04"] == 1


def test_a_long_annex_repeats_the_table_header_on_every_page(tmp_path, supervisor, province):
    """150 communes in the annex: the table runs over pages after the signature, each page repeats its header, and no
    row is lost or printed twice."""
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    communes = [[i, f"Xã thử nghiệm số {i:03d}", 1 + i % 4] for i in range(1, 151)]
    report.figures = {
        "indicators": {"C04": {"total": sum(r[2] for r in communes), "by": {"commune": communes}}},
        "units": [],
        "included": [[i, i, f"Phường gửi số {i:03d}", "submitted"] for i in range(1, 61)],
        "missing": [],
        "without_accounts": 0,
    }
    report.status = ReportStatus.SUBMITTED  # unsaved: no "DỰ THẢO" watermark across the rows read back
    pdf = report_pdf_bytes(report)
    pages = page_count(tmp_path, pdf)
    texts = {p: pdf_text(tmp_path, pdf, page=p) for p in range(1, pages + 1)}
    annex_pages = [p for p, t in texts.items() if re.search(r"\d+ Xã thử nghiệm số \d{3} \d", t)]
    assert len(annex_pages) >= 3
    assert min(annex_pages) > max(p for p, t in texts.items() if "GIÁM ĐỐC" in t)  # the annex follows the signature
    for p in annex_pages:
        assert "STT Xã, phường" in texts[p], p
    rows, totals = annex_table(" ".join(texts[p] for p in annex_pages))
    children = ANNEX_CODES.index("C04")
    assert {name: values[children] for name, values in rows.items()} == {name: n for _i, name, n in communes}
    assert totals[children] == report.figures["indicators"]["C04"]["total"]
    # The 60 units summed are counted by status in the body; the spreadsheet lists them one by one.
    assert "Số đơn vị đã gửi báo cáo: 60/60 đơn vị sử dụng hệ thống (đã gửi: 60)." in " ".join(texts.values())


def test_the_annex_lists_every_commune_summed_and_adds_up_to_the_report(tmp_path, supervisor, province):
    """The province's report summed from 40 communes' sent reports, a quarter of them with nothing to count: the
    annex has one row per commune with its own report's figures, and its total row is the report's figures."""
    communes = list(AdminUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("pk")[:40])
    assert len(communes) == 40
    fields = PeriodicReport.period_fields(SEMI, 2026)
    by_commune = [code for code, indicator in BY_CODE.items() if "commune" in indicator.dims_by_name]
    own: dict[str, dict[str, int]] = {}
    sent = []
    for k, unit in enumerate(communes):
        own[unit.name] = {code: (k * (j + 3)) % 7 if k % 4 else 0 for j, code in enumerate(by_commune)}
        figures = {
            code: {"total": n, "by": {"commune": [[unit.pk, unit.name, n]]} if n else {}}
            for code, n in own[unit.name].items()
        }
        sent.append(
            PeriodicReport(
                unit=unit, kind=SEMI, year=2026, status=ReportStatus.SUBMITTED, prepared_by=supervisor,
                created_at=JUNE, computed_at=JUNE, figures={"indicators": figures, "units": [unit.pk]}, **fields,
            )
        )  # fmt: skip
    PeriodicReport.objects.bulk_create(sent)
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    report.status = ReportStatus.SUBMITTED  # unsaved: no "DỰ THẢO" watermark across the rows read back
    text = pdf_text(tmp_path, report_pdf_bytes(report))

    body_text, annex_text = text.split("SỐ LIỆU THEO XÃ, PHƯỜNG")
    rows, totals = annex_table(annex_text)
    assert rows == {name: [figures[code] for code in ANNEX_CODES] for name, figures in own.items()}
    listed = [int(n) for n in re.findall(r"(?:^| )(\d+) (?:Xã|Phường|Thị trấn) ", annex_text)]
    assert listed == list(range(1, len(communes) + 1))  # STT: each commune once
    assert list(rows) == sorted(own, key=alphabetical)
    for j, code in enumerate(ANNEX_CODES):
        total = sum(figures[code] for figures in own.values())
        assert totals[j] == report.figures["indicators"][code]["total"] == total, code
        number = next(k for k, indicator in enumerate(INDICATORS, start=1) if indicator.code == code)
        indicator = BY_CODE[code]
        named = f"{indicator.label} (chỉ tiêu {indicator.tt13})" if indicator.tt13 else indicator.label
        # Summed from reports made up for the test: no case behind them, so the direct count (0) shows the gap.
        summed = f"{number}. {named}: {total} {indicator.unit_word}"
        assert summed + (f"; đếm trực tiếp từ hồ sơ: 0 {indicator.unit_word}." if total else ".") in body_text, code
        assert f"({number})" in annex_text  # the column names the indicator's number in the report
    # The spreadsheet has every indicator broken down by commune, the annex's and the others.
    wide = list(
        openpyxl.load_workbook(io.BytesIO(report_xlsx_bytes(report)))["Theo xã, phường"].iter_rows(values_only=True)
    )
    assert [heading.split(".")[0] for heading in wide[0][1:]] == by_commune
    assert {r[0]: list(r[1:]) for r in wide[1:-1]} == {name: list(f.values()) for name, f in own.items()}
    assert list(wide[-1]) == ["Tổng số", *(sum(f[code] for f in own.values()) for code in by_commune)]


def test_communes_are_listed_in_vietnamese_alphabetical_order():
    names = [
        "Xã Yên Định",
        "Xã Đông Tiến",
        "Xã Dương Hòa",
        "Xã Ân Tiến",
        "Xã An Nông",
        "Phường Hàm Rồng",
        "Phường Hạc Thành",
    ]
    assert sorted(names, key=alphabetical) == [
        "Phường Hạc Thành",
        "Phường Hàm Rồng",
        "Xã An Nông",
        "Xã Ân Tiến",
        "Xã Dương Hòa",
        "Xã Đông Tiến",  # Đ after D, not after Y
        "Xã Yên Định",
    ]


def test_agency_abbreviation():
    assert agency_abbreviation("Sở Y tế") == "SYT"
    assert agency_abbreviation("Sở Lao động - Thương binh và Xã hội") == "SLĐTBXH"
