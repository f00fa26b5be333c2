"""The periodic report's official PDF (made by the Celery task, followed on its status page, downloaded) and its
spreadsheet: read back with poppler and openpyxl, the figures checked against the cases the test itself built, and
who may get them. Real WeasyPrint renders, kept few (~0.5 s each): the province report, a draft, a long report.
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
from childprotect.places.models import AdminUnit
from reporting.models import PdfStatus, PeriodicReport, ReportStatus
from reporting.output import agency_abbreviation, report_pdf_bytes, report_xlsx_bytes
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
        supervisor.full_name,
    ):
        assert expected in text, expected
    assert "DỰ THẢO" not in text

    # The figures equal the cases the test built (the one received before the period is left out).
    want = expected_counts()
    n, female, male = want["children"], want["by_sex"]["female"], want["by_sex"]["male"]
    assert (n, female, male) == (5, 3, 2)
    assert f"Số trẻ em bị xâm hại (chỉ tiêu 0101): {n} trẻ em." in text
    assert f"Số thông tin, thông báo, tố giác về xâm hại trẻ em đã tiếp nhận: {n} thông tin." in text
    assert f"Theo giới tính Số lượng Nữ {female} Nam {male}" in text
    a, b = want["by_commune"]["a"], want["by_commune"]["b"]
    assert f"Phường Hạc Thành {a} Phường Hàm Rồng {b}" in text
    # The units summed, and those below without accounts (all of the province's communes but A and B).
    assert re.search(r"Phường Hàm Rồng Đã phê duyệt", text) and re.search(r"Phường Hạc Thành Đã phê duyệt", text)
    assert "Số đơn vị đã gửi báo cáo: 2/2" in text
    without = AdminUnit.objects.filter(parent=province).count() - 2
    assert f"chưa có tài khoản sử dụng hệ thống (không thuộc diện tổng hợp): {without}." in text

    # The spreadsheet carries the same figures.
    response = client.get(link["xlsx"])
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;") and ".xlsx" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="report.xlsx", object_id=str(report.pk)).count() == 1
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["Tổng hợp", "Chi tiết", "Đơn vị"]
    summary = {row[0]: row for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["C01"][3] == n and summary["R01"][3] == n and summary["C02"][3] == n
    detail = list(book["Chi tiết"].iter_rows(min_row=2, values_only=True))
    by_sex = {r[3]: r[4] for r in detail if r[0] == "C01" and r[2] == "Theo giới tính"}
    assert by_sex == {SEX_LABELS[k]: v for k, v in want["by_sex"].items()}
    by_commune = {r[3]: r[4] for r in detail if r[0] == "C01" and r[2] == "Theo xã, phường"}
    assert by_commune == {"Phường Hạc Thành": a, "Phường Hàm Rồng": b}
    listed = {r[0]: r[1] for r in book["Đơn vị"].iter_rows(min_row=2, values_only=True)}
    assert listed == {"Phường Hạc Thành": "Đã phê duyệt", "Phường Hàm Rồng": "Đã phê duyệt"}

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
        "Số trẻ em bị xâm hại (chỉ tiêu 0101): 1 trẻ em.",
        "UBND tỉnh Thanh Hóa (Sở Y tế);",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    ):
        assert expected in text, expected
    assert "Đơn vị đã gửi báo cáo" not in text  # a commune sums no units

    book = openpyxl.load_workbook(io.BytesIO(report_xlsx_bytes(report)))
    assert book.sheetnames == ["Tổng hợp", "Chi tiết", "Thông tin"]  # no units sheet for a commune
    summary = {row[0]: row[3] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["C01"] == 1


def test_a_long_report_repeats_the_table_headers_on_every_page(tmp_path, supervisor, province):
    """70 communes in a breakdown and 60 units summed: the tables run over pages, each page repeats the header."""
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    communes = [[i, f"Xã thử nghiệm số {i:03d}", 1 + i % 3] for i in range(1, 71)]
    report.figures = {
        "indicators": {"C01": {"total": sum(r[2] for r in communes), "by": {"commune": communes}}},
        "units": [],
        "included": [[i, i, f"Phường gửi số {i:03d}", "submitted"] for i in range(1, 61)],
        "missing": [],
        "without_accounts": 0,
    }
    report.status = ReportStatus.SUBMITTED  # unsaved: no "DỰ THẢO" watermark across the rows read back
    pdf = report_pdf_bytes(report)
    pages = page_count(tmp_path, pdf)
    assert pages >= 4
    texts = {p: pdf_text(tmp_path, pdf, page=p) for p in range(1, pages + 1)}

    def pages_with(pattern: str) -> list[int]:
        return [p for p, t in texts.items() if re.search(pattern, t)]

    commune_pages = pages_with(r"Xã thử nghiệm số \d{3} \d")
    unit_pages = pages_with(r"Phường gửi số \d{3} Đã gửi")
    assert len(commune_pages) >= 2 and len(unit_pages) >= 2
    for p in commune_pages:
        assert "Theo xã, phường Số lượng" in texts[p], p
    for p in unit_pages:
        assert "STT Đơn vị đã gửi báo cáo Tình trạng" in texts[p], p
    # Every row printed once, whole: none lost or cut across a page.
    everything = " ".join(texts.values())
    for i, _name, n in ([r[0], r[1], r[2]] for r in communes):
        assert len(re.findall(rf"Xã thử nghiệm số {i:03d} {n}\b", everything)) == 1, i
    for i in range(1, 61):
        assert len(re.findall(rf"\b{i} Phường gửi số {i:03d} Đã gửi", everything)) == 1, i


def test_agency_abbreviation():
    assert agency_abbreviation("Sở Y tế") == "SYT"
    assert agency_abbreviation("Sở Lao động - Thương binh và Xã hội") == "SLĐTBXH"
