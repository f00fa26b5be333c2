"""NĐ 56 Mẫu 01 as the law prints it (docs/law.md#the-intake-form): title, "Số …/BC-…" and heading of the body that
received the report (a commune, the police, Tổng đài 111), the child and family fields of A.2 from the web form and
the API, their limits (a Vietnamese message, nothing saved) and who may see them (NĐ 56 Đ33)."""

from __future__ import annotations

import shutil

import pytest
from django.urls import reverse

from cases.models import Report
from cases.services import report_attach_child
from cases.services.intake import MAU01_FIELDS
from childprotect.audit.models import AuditEntry
from tests.support.intake import REPORTS, report_body, written
from tests.support.pages import html, pdf_text, pdf_words

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

SITUATION = {
    "child_age_estimate": 9,
    "child_condition": "Có vết bầm ở tay, sợ hãi, không muốn về nhà.",
    "likely_consequences": "Tiếp tục bị đánh, tổn thương nặng hơn.",
    "father_name": "Phan Văn Tuấn",
    "father_age": 41,
    "father_occupation": "Thợ xây",
    "mother_name": "Đinh Thị Gấm",
    "mother_age": 37,
    "mother_occupation": "Buôn bán nhỏ",
    "family_situation": "Cha thường say rượu; mẹ đi làm xa.",
    "current_carer": "Bà nội",
    "prior_actions": "Tổ dân phố đã nhắc nhở gia đình một lần.",
}
SITUATION_BODY = {
    "age_estimate": 9,
    "condition": SITUATION["child_condition"],
    "likely_consequences": SITUATION["likely_consequences"],
    "father": {"name": "Phan Văn Tuấn", "age": 41, "occupation": "Thợ xây"},
    "mother": {"name": "Đinh Thị Gấm", "age": 37, "occupation": "Buôn bán nhỏ"},
    "family_situation": SITUATION["family_situation"],
    "current_carer": "Bà nội",
    "prior_actions": SITUATION["prior_actions"],
}
FAMILY_WORDS = ["Phan Văn Tuấn", "Đinh Thị Gấm", "Thợ xây", "Bà nội", "say rượu", "Có vết bầm ở tay"]


def heading(tmp_path, content: bytes) -> str:
    """The left column of the first page above the title: the receiving body and the number."""
    words = [w for w in pdf_words(tmp_path, content) if w.page == 1]
    title = min(w.y_min for w in words if w.text == "BÁO")
    left = [w for w in words if w.y_max < title and w.x_max < w.page_width * 0.45]
    return " ".join(w.text for w in sorted(left, key=lambda w: (round(w.y_min), w.x_min)))


def mau01(client, user, report) -> bytes:
    client.force_login(user)
    response = client.get(reverse("cases:report_form_pdf", args=[report.pk]))
    assert response.status_code == 200
    return response.content


# --- the form, by the body that received it ------------------------------------------------------------------------


@needs_poppler
def test_a_commune_received_mau01_has_the_official_title_number_heading_and_the_family_fields(
    client, tmp_path, officer_a, make_report, make_child
):
    report = make_report(officer_a, **SITUATION)
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))

    content = mau01(client, officer_a, report)

    text = pdf_text(tmp_path, content)
    top = heading(tmp_path, content)
    assert top.startswith("ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH") and "Số: ……/BC-UBND" in top
    for expected in (
        "Mẫu số 01",
        "BÁO CÁO TIẾP NHẬN THÔNG TIN TRẺ EM BỊ XÂM HẠI HOẶC CÓ NGUY CƠ BỊ XÂM HẠI",
        "Hạc Thành, ngày 20 tháng 11 năm 2026",
        "A. THÔNG TIN CHUNG",
        "1. Nguồn nhận thông tin",
        "2. Thông tin về trẻ em",
        "3. Thông tin về người cung cấp thông tin",
        "Ghi chú thêm",
        "Họ và tên trẻ em: Nguyễn Văn An",
        "Ngày tháng năm sinh: 05/03/2015",
        "Tình trạng hiện tại của trẻ em: Có vết bầm ở tay, sợ hãi, không muốn về nhà.",
        "nếu không có được hỗ trợ, can thiệp: Tiếp tục bị đánh, tổn thương nặng hơn.",
        "Họ và tên cha: Phan Văn Tuấn. Tuổi: 41. Nghề nghiệp: Thợ xây",
        "Họ và tên mẹ: Đinh Thị Gấm. Tuổi: 37. Nghề nghiệp: Buôn bán nhỏ",
        "Hoàn cảnh gia đình: Cha thường say rượu; mẹ đi làm xa.",
        "Hiện ai là người đang chăm sóc trẻ em: Bà nội",
        "trước khi nhận thông tin: Tổ dân phố đã nhắc nhở gia đình một lần.",
        "CÁN BỘ TIẾP NHẬN THÔNG TIN",
        "Nguyễn Thị Hoà",
    ):
        assert expected in text, expected
    # The section order of the decree.
    order = ["1. Nguồn nhận thông tin", "2. Thông tin về trẻ em", "3. Thông tin về người cung cấp", "Ghi chú thêm"]
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)
    assert "Nơi nhận" not in text


@needs_poppler
def test_a_police_received_mau01_is_headed_by_the_police_not_the_commune(
    client, tmp_path, officer_a, police, make_report
):
    report = make_report(police)

    for viewer in (officer_a, police):
        content = mau01(client, viewer, report)
        top = heading(tmp_path, content)
        assert top.startswith("CÔNG AN TỈNH THANH HÓA CÔNG AN PHƯỜNG HẠC THÀNH"), top
        assert "Số: ……/BC-CA" in top
        assert "ỦY BAN NHÂN DÂN" not in pdf_text(tmp_path, content)
        assert "Hoàng Văn Cường" in pdf_text(tmp_path, content)  # the police officer who received it signs


@needs_poppler
def test_a_hotline_received_mau01_is_headed_by_the_hotline_and_signed_by_hand(client, tmp_path, hotline, officer_a):
    response = hotline.call("post", REPORTS, report_body(situation=SITUATION_BODY))
    assert response.status_code == 201, response.json()
    report = Report.objects.get()

    content = mau01(client, officer_a, report)

    top = heading(tmp_path, content)
    assert top.startswith("TỔNG ĐÀI 111") and "Số: ……/BC-TĐ111" in top, top
    text = pdf_text(tmp_path, content)
    assert "ỦY BAN NHÂN DÂN" not in text
    assert "Họ và tên cha: Phan Văn Tuấn. Tuổi: 41. Nghề nghiệp: Thợ xây" in text
    assert "Tổng đài 111" not in text.split("CÁN BỘ TIẾP NHẬN THÔNG TIN")[-1]  # no system's name as the signer


@needs_poppler
def test_the_abbreviation_is_a_setting(client, tmp_path, settings, officer_a, make_report):
    settings.CHILDPROTECT_MAU01_ABBREVIATIONS = {**settings.CHILDPROTECT_MAU01_ABBREVIATIONS, "commune": "UBNDP"}
    content = mau01(client, officer_a, make_report(officer_a))
    assert "Số: ……/BC-UBNDP" in heading(tmp_path, content)


@needs_poppler
def test_without_the_family_fields_the_form_says_unknown_and_prints_the_estimated_age(
    client, tmp_path, officer_a, make_report
):
    content = mau01(client, officer_a, make_report(officer_a, child_age_estimate=7))
    text = pdf_text(tmp_path, content)
    assert "Họ và tên trẻ em: chưa xác định" in text
    assert "ước lượng tuổi: 7 tuổi" in text
    assert "Họ và tên cha: chưa rõ. Tuổi: chưa rõ. Nghề nghiệp: chưa rõ" in text


@needs_poppler
def test_the_partner_who_logged_it_prints_no_family_fields(client, tmp_path, police, make_report):
    report = make_report(police, **SITUATION)
    text = pdf_text(tmp_path, mau01(client, police, report))
    for word in FAMILY_WORDS:
        assert word not in text, word
    assert "hoàn cảnh gia đình và việc hỗ trợ đã thực hiện được bảo mật" in text


# --- the web form ---------------------------------------------------------------------------------------------------


def web_fields(**overrides):
    fields = {k: str(v) for k, v in SITUATION.items()}
    fields.update(overrides)
    return fields


def test_the_web_form_keeps_the_family_fields_and_the_audit_masks_them(client, officer_a, report_post):
    client.force_login(officer_a)
    response = client.post(reverse("cases:report_create"), report_post(**web_fields()))
    assert response.status_code == 302
    report = Report.objects.get()
    assert {name: getattr(report, name) for name in SITUATION} == SITUATION
    entry = AuditEntry.objects.get(action="report.receive")
    for name in MAU01_FIELDS:
        assert entry.changes[name][1] == "***", name
    assert "Phan Văn Tuấn" not in str(entry.changes)


def test_the_web_form_without_the_family_fields(client, officer_a, report_post):
    client.force_login(officer_a)
    form = client.get(reverse("cases:report_create"))
    assert "Tình trạng hiện tại của trẻ em" in html(form) and 'name="father_occupation"' in html(form)
    assert client.post(reverse("cases:report_create"), report_post()).status_code == 302
    report = Report.objects.get()
    assert report.child_age_estimate is None and report.father_name == "" and report.prior_actions == ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"child_age_estimate": "16"},
            "child_age_estimate",
            "Trẻ em là người dưới 16 tuổi (Luật Trẻ em Điều 1): tuổi ước lượng phải từ 0 đến 15.",
        ),
        ({"child_condition": "x" * 2001}, "child_condition", "2000"),
        ({"father_age": "5"}, "father_age", "Tuổi của cha phải từ 10 đến 120."),
        ({"mother_name": "x" * 151}, "mother_name", "150"),
    ],
    ids=["age 16", "condition too long", "father aged 5", "mother's name too long"],
)
def test_bad_family_fields_on_the_web_give_a_vietnamese_message_and_save_nothing(
    client, officer_a, report_post, fields, field, message
):
    client.force_login(officer_a)
    response = client.post(reverse("cases:report_create"), report_post(**web_fields(**fields)))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert not Report.objects.exists()


def test_the_service_refuses_what_the_form_would_have_caught(officer_a, report_data):
    from django.core.exceptions import ValidationError

    from cases.services import report_receive

    with pytest.raises(ValidationError) as refused:
        report_receive(
            actor=officer_a,
            data=report_data(child_age_estimate=17, prior_actions="x" * 2001, mother_age=300),
        )
    assert set(refused.value.message_dict) == {"child_age_estimate", "prior_actions", "mother_age"}
    assert refused.value.message_dict["prior_actions"] == ["Tối đa 2000 ký tự (hiện có 2001)."]
    assert not Report.objects.exists()


# --- the API --------------------------------------------------------------------------------------------------------


def test_the_api_keeps_the_situation(hotline):
    response = hotline.call("post", REPORTS, report_body(situation=SITUATION_BODY))
    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    assert {name: getattr(report, name) for name in SITUATION} == SITUATION
    for word in FAMILY_WORDS:  # protected: never in the answer
        assert word not in response.content.decode(), word


def test_the_api_without_the_situation(hotline):
    response = hotline.call("post", REPORTS, report_body())
    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    assert report.child_age_estimate is None and report.child_condition == "" and report.mother_age is None


@pytest.mark.parametrize(
    ("situation", "children", "pointer", "message"),
    [
        (
            {"age_estimate": 16},
            None,
            "/situation/age_estimate",
            "Trẻ em là người dưới 16 tuổi (Luật Trẻ em Điều 1): tuổi ước lượng phải từ 0 đến 15.",
        ),
        ({"condition": "x" * 2001}, None, "/situation/condition", "Tối đa 2000 ký tự."),
        ({"father": {"age": 7}}, None, "/situation/father/age", "Tuổi của cha phải từ 10 đến 120."),
        ({"mother": {"nghe": "x"}}, None, "/situation/mother/nghe", "Trường này không có trong mẫu."),
        (
            {},
            [{"full_name": "Phan Minh Khang", "sex": "male", "date_of_birth": "2027-01-01"}],
            "/children/0/date_of_birth",
            "Ngày sinh không thể ở tương lai.",
        ),
    ],
    ids=["age 16", "condition too long", "father aged 7", "unknown field", "born in the future"],
)
def test_a_bad_situation_is_refused_at_its_pointer_and_writes_nothing(
    hotline, officer_a, situation, children, pointer, message
):
    before = written()
    body = report_body(situation=situation) if children is None else report_body(situation=situation, children=children)
    response = hotline.call("post", REPORTS, body)
    assert response.status_code == 400, response.json()
    assert (pointer, message) in [(e["pointer"], e["message"]) for e in response.json()["errors"]]
    assert written() == before


# --- who sees the family fields (NĐ 56 Đ33) -----------------------------------------------------------------------


def test_the_report_page_shows_the_family_fields_to_the_commune_and_hides_them_from_the_partner(
    client, officer_a, chair_a, supervisor, police, officer_b, make_report
):
    report = make_report(police, **SITUATION)
    url = reverse("cases:report_detail", args=[report.pk])
    for viewer in (officer_a, chair_a, supervisor):
        client.force_login(viewer)
        page = html(client.get(url))
        assert all(word in page for word in FAMILY_WORDS), viewer
    client.force_login(police)  # logged it: reaches the page, not the family
    page = html(client.get(url))
    assert "Thông tin về trẻ em và gia đình được bảo mật." in page
    assert not any(word in page for word in FAMILY_WORDS)
    client.force_login(officer_b)  # outsider
    assert client.get(url).status_code == 404
    assert client.get(reverse("cases:report_form_pdf", args=[report.pk])).status_code == 404


def test_the_reading_api_returns_the_situation_to_the_commune(client, officer_a, make_report, make_child):
    report = make_report(officer_a, **SITUATION)
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    case = report.cases.get()
    client.force_login(officer_a)
    answer = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert answer["report"]["situation"]["father"] == {"name": "Phan Văn Tuấn", "age": 41, "occupation": "Thợ xây"}
    assert answer["report"]["situation"]["age_estimate"] == 9
