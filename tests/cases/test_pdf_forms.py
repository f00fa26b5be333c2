"""The official forms (Mẫu 01–06) as PDF: read back with poppler, who may print what, and the audit of each print.

Cases are built with the real services; the PDFs are real WeasyPrint output (a few renders only: ~0.1–0.5 s each).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import Case, RiskLevel
from cases.services import case_act, report_attach_child
from childprotect import pdf as pdf_module
from childprotect.audit.models import AuditEntry
from childprotect.pdf import ascii_filename, local_url_fetcher, pdf_font_family, pdf_response
from tests.support.builders import REPORTER_NAME
from tests.support.pages import NATIONAL, page_count, pdf_fonts, pdf_text, pdf_words

pytestmark = [
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"),
]

CHILD_NAME = "Trần Thị Thuỷ"  # "uỷ": the old tone placement, printed exactly as registered


# --- reading PDFs back ---------------------------------------------------------------------------------------------


def prints(action: str, obj, form: str) -> int:
    return AuditEntry.objects.filter(action=action, object_id=str(obj.pk), changes__form=form).count()


# --- building cases with the real services --------------------------------------------------------------------------


def activities(n: int) -> list[dict]:
    return [
        {
            "activity": f"Hoạt động {i:02d}: thăm hỏi, tư vấn tâm lý cho trẻ và gia đình",
            "responsible": "Cán bộ bảo vệ trẻ em, Trạm Y tế phường",
            "start": dt.date(2026, 11, 21),
            "end": dt.date(2026, 12, 21),
            "resources": "Ngân sách phường",
        }
        for i in range(1, n + 1)
    ]


STEPS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "officer",
        "assess_initial",
        {
            "risk_level": RiskLevel.HIGH,
            "in_danger_now": True,
            "needs_emergency": True,
            "level": "intervention",
            "summary": "Trẻ có vết bầm ở tay và mặt; hàng xóm xác nhận.",
        },
    ),
    (
        "chair",
        "decide_emergency",
        {
            "emergency_needed": True,
            "measures": "Đưa trẻ đi khám tại Trạm Y tế phường; bố trí trẻ ở nhà bà ngoại.",
            "separation": False,
            "note": "Trẻ bị thương tích.",
        },
    ),
    (
        "officer",
        "assess_specific",
        {
            "level": "intervention",
            "needs": "Chăm sóc y tế, tư vấn tâm lý, hỗ trợ học tập.",
            "meeting_date": dt.date(2026, 11, 20),
            "participants": "Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế, gia đình trẻ.",
            "minutes": "Cuộc họp thống nhất nhu cầu của trẻ; gia đình đồng ý phối hợp.",
        },
    ),
    ("officer", "draft_plan", {"goals": "Trẻ được an toàn và phục hồi sức khỏe.", "end_date": dt.date(2027, 2, 20)}),
    ("chair", "approve_plan", {"decision_number": "15/QĐ-UBND", "note": "Đồng ý với kế hoạch."}),
    (
        "officer",
        "review",
        {
            "harm_severity": RiskLevel.LOW,
            "abuser_access": RiskLevel.LOW,
            "care_obstacles": RiskLevel.MEDIUM,
            "self_protection": RiskLevel.MEDIUM,
            "recovery_level": RiskLevel.HIGH,
            "care_environment": "Trẻ sống cùng bà ngoại, an toàn.",
            "recovery": "Trẻ đã hồi phục tốt, đi học đều.",
            "risk_remains": False,
            "child_stable": True,
            "conclusion": "Đề xuất đóng hồ sơ.",
        },
    ),
]


@pytest.fixture
def advance(officer_a, chair_a):
    """advance(case, until, n_activities=2): take the steps of STEPS the case has not taken yet, up to `until`."""

    def run(case: Case, until: str, n_activities: int = 2) -> Case:
        actors = {"officer": officer_a, "chair": chair_a}
        done = set(case.steps.values_list("action", flat=True))
        for who, action, data in STEPS:
            if action not in done:
                if action == "draft_plan":
                    data = {**data, "activities": activities(n_activities)}
                case_act(actor=actors[who], case=case, action=action, version=case.version, data=data)
            if action == until:
                break
        return case

    return run


@pytest.fixture
def make_case(officer_a, make_report, make_child, advance):
    """make_case(until=None, n_activities=2, reporter=officer_a) -> Case: a report by `reporter` about Trần Thị Thuỷ,
    walked through the workflow with the real services up to and including the action `until`."""

    def make(until: str | None = None, n_activities: int = 2, reporter=None) -> Case:
        report = make_report(
            reporter or officer_a,
            injury=True,
            perpetrators=[{"name": "Trần Văn Hùng", "sex": "male", "approx_age": 40, "lives_with_child": True}],
        )
        child = make_child(
            officer_a,
            full_name=CHILD_NAME,
            sex="female",
            date_of_birth=dt.date(2014, 6, 2),
            carers=[{"full_name": "Lê Thị Ngọc", "relation": "mẹ", "phone": "0912 000 111"}],
        )
        report_attach_child(actor=officer_a, report=report, child=child)
        case = Case.objects.get(report=report, child=child)
        return advance(case, until, n_activities) if until else case

    return make


def form_url(case: Case, form: str) -> str:
    return reverse("cases:case_form_pdf", args=[case.pk, form])


# --- Mẫu 01 ---------------------------------------------------------------------------------------------------------


def test_mau01_for_the_officer_shows_the_reporter_and_the_children(client, tmp_path, officer_a, make_case):
    case = make_case()
    report = case.report
    client.force_login(officer_a)

    response = client.get(reverse("cases:report_form_pdf", args=[report.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{report.reference}-mau-01.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    text = pdf_text(tmp_path, response.content)
    for expected in (
        "Mẫu số 01",
        NATIONAL,
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG HẠC THÀNH",
        "Hạc Thành, ngày 20 tháng 11 năm 2026",
        "BÁO CÁO",
        "TIẾP NHẬN THÔNG TIN TRẺ EM",
        "Số: ……/BC-UBND",
        "08 giờ 30 phút. Ngày 20 tháng 11 năm 2026",
        "Nguyễn Thị Hoà",  # the receiving officer, also the signer
        "Số điện thoại",
        "Bạo lực",
        "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối.",
        CHILD_NAME,
        str(case),
        "Trần Văn Hùng",
        "CÁN BỘ TIẾP NHẬN THÔNG TIN",
    ):
        assert expected in text, expected
    assert REPORTER_NAME in text and "0987 654 321" in text
    assert "giữ bí mật" not in text
    assert prints("report.print", report, "01") == 1


def test_mau01_for_the_partner_who_logged_it_keeps_the_reporter_and_children_secret(
    client, tmp_path, police, make_case
):
    case = make_case(reporter=police)
    report = case.report
    client.force_login(police)

    response = client.get(reverse("cases:report_form_pdf", args=[report.pk]))

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert NATIONAL in text and report.reference in text
    assert "Thông tin người cung cấp thông tin được giữ bí mật" in text
    assert REPORTER_NAME not in text and "0987 654 321" not in text
    assert CHILD_NAME not in text and "1 trẻ em; họ tên, ngày sinh của trẻ em được bảo mật" in text
    entry = AuditEntry.objects.get(action="report.print", object_id=str(report.pk))
    assert entry.actor == police and entry.changes == {"form": "01", "reporter_shown": False}


def test_mau01_is_404_for_a_report_out_of_reach(client, officer_b, make_case):
    report = make_case().report
    client.force_login(officer_b)
    assert client.get(reverse("cases:report_form_pdf", args=[report.pk])).status_code == 404
    assert prints("report.print", report, "01") == 0


# --- Mẫu 02–06 ------------------------------------------------------------------------------------------------------


def test_mau02_prints_the_initial_assessment_and_refers_to_the_emergency_decision(
    client, tmp_path, officer_a, make_case, advance
):
    case = make_case()
    client.force_login(officer_a)
    assert client.get(form_url(case, "02")).status_code == 404  # not assessed yet
    advance(case, "decide_emergency")

    response = client.get(form_url(case, "02"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="{case}-mau-02.pdf"'
    text = pdf_text(tmp_path, response.content)
    for expected in (
        "Mẫu số 02",
        NATIONAL,
        "BIÊN BẢN ĐÁNH GIÁ NGUY CƠ BAN ĐẦU",
        f"Hồ sơ số: {case}",
        f"Họ và tên trẻ em: {CHILD_NAME}",
        "Giới tính: Nữ",
        "Ngày sinh: 02/06/2014",
        "Phường Hạc Thành, Tỉnh Thanh Hóa",
        "Mức độ nguy cơ: Cao",
        "Trẻ đang gặp nguy hiểm ngay lúc này: Có",
        "Mức độ bảo vệ dự kiến: Can thiệp",
        "Trẻ có vết bầm ở tay và mặt",
        # The chair's decision is a document of its own (tests/cases/test_decisions.py): referred to, not held.
        "đã quyết định áp dụng biện pháp bảo vệ khẩn cấp",
        "NGƯỜI ĐÁNH GIÁ",
    ):
        assert expected in text, expected
    assert "Cách ly tạm thời trẻ khỏi cha, mẹ, người chăm sóc" not in text
    assert prints("case.print", case, "02") == 1


def test_mau04_long_plan_runs_over_pages_with_the_table_header_repeated(client, tmp_path, officer_a, make_case):
    case = make_case(until="draft_plan", n_activities=30)
    client.force_login(officer_a)

    response = client.get(form_url(case, "04"))

    assert response.status_code == 200
    assert page_count(tmp_path, response.content) >= 2
    first, second = pdf_text(tmp_path, response.content, 1), pdf_text(tmp_path, response.content, 2)
    assert "KẾ HOẠCH HỖ TRỢ, CAN THIỆP" in first and CHILD_NAME in first and "Hoạt động 01" in first
    assert "Hoạt động 01" not in second
    # The header row again at the top of page 2 (thead as table-header-group), before the rows that continue.
    first_row = re.search(r"Hoạt động \d\d:", second)
    assert first_row is not None
    head = second[: first_row.start()]
    # The page number in the top margin, then the header row.
    assert head.startswith("2 STT Hoạt động") and all(w in head for w in ("Người, cơ", "Thời gian", "Nguồn"))
    whole = pdf_text(tmp_path, response.content)
    assert all(f"Hoạt động {i:02d}" in whole for i in range(1, 31))
    assert "Kế hoạch thực hiện đến ngày: 20/02/2027" in whole
    assert prints("case.print", case, "04") == 1


def test_mau05_is_404_before_approval_and_03_05_06_print_what_was_recorded(client, tmp_path, officer_a, make_case):
    client.force_login(officer_a)
    drafted = make_case(until="draft_plan")
    assert client.get(form_url(drafted, "05")).status_code == 404  # drafted, not approved
    assert client.get(form_url(drafted, "06")).status_code == 404  # not reviewed
    assert prints("case.print", drafted, "05") == 0

    case = make_case(until="review")
    texts = {}
    for form in ("03", "05", "06"):
        response = client.get(form_url(case, form))
        assert response.status_code == 200, form
        texts[form] = pdf_text(tmp_path, response.content)
        assert NATIONAL in texts[form] and f"Mẫu số {form}" in texts[form] and CHILD_NAME in texts[form]
        assert prints("case.print", case, form) == 1

    assert "BIÊN BẢN ĐÁNH GIÁ CỤ THỂ VÀ HỌP XÁC ĐỊNH NHU CẦU" in texts["03"]
    assert "Ngày họp xác định nhu cầu: 20/11/2026" in texts["03"]
    assert "Công an phường, Trạm Y tế" in texts["03"] and "Mức độ bảo vệ: Can thiệp" in texts["03"]

    decision = texts["05"]
    assert "QUYẾT ĐỊNH" in decision and "Số: 15/QĐ-UBND" in decision
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH" in decision
    assert all(f"Điều {n}." in decision for n in (1, 2, 3))
    assert "Đồng ý với kế hoạch." in decision and "Lê Văn Thắng" in decision

    review = texts["06"]
    assert "RÀ SOÁT, ĐÁNH GIÁ TÌNH TRẠNG CỦA TRẺ EM" in review
    assert "Tổng số: Cao: 0; Trung bình: 1; Thấp: 2." in review  # tests/cases/test_mau06.py reads the table
    assert "Trẻ còn nguy cơ bị xâm hại: Không" in review
    assert "Trẻ đã ổn định về thể chất, tâm lý, nhận thức, tình cảm: Có" in review
    assert "Đề xuất đóng hồ sơ." in review and "Quyết định số 15/QĐ-UBND" in review


# --- the layout of NĐ 30/2020 (Phụ lục I) ---------------------------------------------------------------------------


def test_page_numbers_are_centred_in_the_top_margin_from_page_2_and_the_font_is_times_like(
    client, tmp_path, officer_a, make_case
):
    case = make_case(until="draft_plan", n_activities=30)
    client.force_login(officer_a)

    pdf = client.get(form_url(case, "04")).content

    pages = page_count(tmp_path, pdf)
    assert pages >= 3
    words = pdf_words(tmp_path, pdf)
    top_margin = 20 / 25.4 * 72  # 20 mm
    for page in range(1, pages + 1):
        in_margin = [w for w in words if w.page == page and w.y_max <= top_margin]
        if page == 1:
            assert in_margin == [], in_margin  # no number on the first page
            continue
        assert [w.text for w in in_margin] == [str(page)], page
        number = in_margin[0]
        assert abs((number.x_min + number.x_max) / 2 - number.page_width / 2) < 3, number  # centred on the page
    fonts = pdf_fonts(tmp_path, pdf)
    assert fonts and all(re.match(r"(Times-?New-?Roman|Liberation-?Serif|Tinos)", name) for name in fonts), fonts


def test_the_signature_block_is_never_alone_on_its_page(client, tmp_path, officer_a, make_case):
    """Mẫu 04 with 30 activities down to 16 (more than a page's worth of rows): wherever the body ends on its page, the
    page that holds the signature also holds the body's last paragraph."""
    case = make_case(until="draft_plan", n_activities=30)
    plan = case.plans.get()
    client.force_login(officer_a)
    last_lines = "Cán bộ phụ trách bảo vệ trẻ em theo dõi việc thực hiện"
    for n in range(30, 15, -1):
        pdf = client.get(form_url(case, "04")).content
        pages = page_count(tmp_path, pdf)
        texts = [pdf_text(tmp_path, pdf, page) for page in range(1, pages + 1)]
        signed = [i for i, text in enumerate(texts) if "NGƯỜI LẬP KẾ HOẠCH" in text]
        assert len(signed) == 1 and last_lines in texts[signed[0]], (n, texts[-1])
        plan.activities.order_by("-pk").first().delete()


def layout_boxes(template: str, context: dict[str, Any]) -> list[Any]:
    """Every box WeasyPrint lays out on the first page of `template` (its computed style on `box.style`)."""
    from weasyprint import HTML

    html = render_to_string(template, {"pdf_font_family": pdf_font_family(), **context})
    document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=local_url_fetcher()).render()
    return list(document.pages[0]._page_box.descendants())


def text_weight(boxes: list[Any], text: str) -> int:
    found = [box for box in boxes if getattr(box, "text", None) == text]
    assert found, text
    return int(found[0].style["font_weight"])


def test_the_parent_body_is_upright_and_the_issuing_body_bold():
    boxes = layout_boxes("pdf/forms/mau05.html", {"issuer_parent": "UBND tỉnh Thanh Hóa", "issuer_name": "Sở Y tế"})
    assert text_weight(boxes, "UBND TỈNH THANH HÓA") == 400
    assert text_weight(boxes, "SỞ Y TẾ") == 700

    # A commune's own UBND: "ỦY BAN NHÂN DÂN" over the commune is the issuing body's name, bold on both lines.
    boxes = layout_boxes("pdf/forms/mau05.html", {"issuer_name": "Phường Hạc Thành"})
    assert text_weight(boxes, "ỦY BAN NHÂN DÂN") == 700
    assert text_weight(boxes, "PHƯỜNG HẠC THÀNH") == 700


@pytest.mark.parametrize(
    ("issuer_name", "subtitle_child"),
    [("Phường Hạc Thành", "Trần Thị Thuỷ"), ("Xã Tân Thành", "Nguyễn Văn Minh Khôi Nguyên Phúc An Bình")],
)
def test_the_short_rules_are_a_third_to_a_half_of_the_line_above(issuer_name, subtitle_child):
    boxes = layout_boxes("pdf/forms/mau05.html", {"issuer_name": issuer_name, "child": {"full_name": subtitle_child}})
    ruled = [box for box in boxes if box.element_tag == "div" and "ruled" in (box.element.get("class") or "").split()]
    assert len(ruled) == 2  # under the issuing body, under the title and its subject
    for block in ruled:
        inside = list(block.descendants())
        rule = next(box for box in inside if box.element_tag == "div" and box.element.get("class") == "rule")
        widest = max(line.width for line in inside if type(line).__name__ == "TextBox")
        assert widest / 3 <= rule.width <= widest / 2, (rule.width, widest)


# --- who may print --------------------------------------------------------------------------------------------------


def test_case_forms_only_for_those_who_reach_the_case_and_may_see_the_child(
    client, officer_b, police, supervisor, make_case
):
    case = make_case(until="assess_initial")
    url = form_url(case, "02")

    response = client.get(url)  # anonymous
    assert response.status_code == 302 and reverse("login") in response["Location"]

    client.force_login(officer_b)  # another commune: out of reach
    assert client.get(url).status_code == 404

    client.force_login(police)  # a partner reaches no case (referrals will grant some), and may not see the child
    response = client.get(url)
    assert response.status_code in (403, 404) and response.get("Content-Type") != "application/pdf"

    client.force_login(supervisor)
    assert client.get(form_url(case, "07")).status_code == 404  # no such form
    assert client.get(form_url(case, "03")).status_code == 404  # not assessed in depth yet
    assert client.get(url + "?step=abc").status_code == 404
    assert prints("case.print", case, "02") == 0
    response = client.get(url)  # the province's supervisor reaches the case
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert AuditEntry.objects.get(action="case.print", object_id=str(case.pk)).actor == supervisor


# --- the machinery --------------------------------------------------------------------------------------------------


def test_pdf_response_headers_and_ascii_filename():
    response = pdf_response(b"%PDF-1.7 test", "HS-000001 Mẫu 02 – Đánh giá.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="HS-000001-Mau-02-Danh-gia.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    assert ascii_filename('"; ./../') == "document.pdf"


def test_font_stack_starts_with_a_font_that_has_every_vietnamese_letter():
    family = pdf_font_family()
    assert family.endswith("serif") and '"Liberation Serif"' in family and '"DejaVu Serif"' in family
    first = family.split(",")[0].strip('"')
    if shutil.which("fc-list"):
        covering = subprocess.run(  # noqa: S603
            [shutil.which("fc-list") or "fc-list", ":charset=1ea0-1ef9 1a0-1a1 1af-1b0 110-111", "family"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert first in covering


@pytest.mark.parametrize(
    ("covering", "first_three"),
    [
        (None, ["Times New Roman", "Liberation Serif", "Tinos"]),  # fontconfig can't say: the order of NĐ 30
        (
            {"Times New Roman", "Liberation Serif", "DejaVu Serif"},
            ["Times New Roman", "Liberation Serif", "DejaVu Serif"],
        ),
        ({"Liberation Serif", "Tinos", "DejaVu Serif"}, ["Liberation Serif", "Tinos", "DejaVu Serif"]),  # no Times
        ({"Tinos", "DejaVu Serif"}, ["Tinos", "DejaVu Serif", "Times New Roman"]),  # an old Liberation 1.x
    ],
)
def test_font_stack_puts_times_new_roman_then_its_substitutes_first_when_they_cover_vietnamese(
    monkeypatch, covering, first_three
):
    monkeypatch.setattr(pdf_module, "_families_covering_vietnamese", lambda: covering)
    pdf_font_family.cache_clear()
    try:
        assert [name.strip().strip('"') for name in pdf_font_family().split(",")][:3] == first_three
    finally:
        pdf_font_family.cache_clear()


def test_the_fetcher_reads_nothing_from_the_network_or_outside_the_project():
    fetcher = local_url_fetcher()
    with pytest.raises(ValueError, match="no network"):
        fetcher.fetch("https://example.com/logo.png")
    with pytest.raises(ValueError, match="outside the project"):
        fetcher.fetch("file:///etc/passwd")
    inside = Path(settings.BASE_DIR) / "manage.py"
    response = fetcher.fetch(inside.as_uri())
    assert b"DJANGO_SETTINGS_MODULE" in response.read()
    response.close()
