"""The referral letter (Phiếu chuyển tuyến) as PDF: read back with poppler, who may print it, what it never shows.

Referrals are built with the real services (tests/referrals/conftest.py); the PDFs are real WeasyPrint output, so
the renders are kept few (~0.2–0.5 s each).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.urls import reverse

from cases.models import Case, Term, TermKind
from cases.services import report_attach_child
from childprotect.audit.models import AuditEntry
from referrals.models import Urgency
from referrals.services import referral_act
from tests.support.builders import REPORTER_NAME
from tests.support.pages import NATIONAL, page_count, pdf_text

pytestmark = [
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"),
]

CHILD_NAME = "Trịnh Thị Ngọc Ánh"
CARER = "Lê Thị Ngọc (mẹ), điện thoại 0912 000 111"
PERPETRATOR = "Trần Văn Hùng"
DESCRIPTION = "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối."  # the report's own account: never printed
# The reporter (tests/support/fixtures.py report_data): confidential, never on the letter (NĐ 56 Đ33).
REPORTER_DETAILS = (REPORTER_NAME, "0987 654 321", "Tổ dân phố 3")


@pytest.fixture
def case(officer_a, make_report, make_child) -> Case:
    """Overrides the folder's case: a child with a carer, a report with a perpetrator, a date and a place."""
    report = make_report(
        officer_a,
        injury=True,
        incident_date=dt.date(2026, 11, 19),
        incident_place="Nhà riêng, ngõ 45 đường Lê Lợi",
        perpetrators=[
            {
                "name": PERPETRATOR,
                "relation": Term.objects.get(kind=TermKind.RELATION, code="step_parent"),
                "sex": "male",
                "approx_age": 40,
                "lives_with_child": True,
            }
        ],
    )
    child = make_child(
        officer_a,
        full_name=CHILD_NAME,
        sex="female",
        date_of_birth=dt.date(2014, 6, 2),
        address="Số 12, ngõ 45 đường Lê Lợi",
        carers=[{"full_name": "Lê Thị Ngọc", "relation": "mẹ", "phone": "0912 000 111"}],
    )
    report_attach_child(actor=officer_a, report=report, child=child)
    return report.cases.get(child=child)


def letter_url(referral) -> str:
    return reverse("referrals:referral_letter", args=[referral.pk])


def prints(referral) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="referral.print", object_id=str(referral.pk)).order_by("id"))


def assert_confidential(text: str) -> None:
    for secret in (*REPORTER_DETAILS, DESCRIPTION):
        assert secret not in text, secret


def test_the_sender_prints_the_urgent_letter_in_vietnamese(client, tmp_path, officer_a, sent):
    referral = sent()
    client.force_login(officer_a)

    response = client.get(letter_url(referral))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="phieu-chuyen-tuyen-{referral}.pdf"'
    assert response["Cache-Control"] == "no-store, private"
    assert page_count(tmp_path, response.content) <= 2
    text = pdf_text(tmp_path, response.content)
    case = referral.case
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG HẠC THÀNH",
        f"Số: {referral}/PC-UBND",
        NATIONAL,
        "Độc lập - Tự do - Hạnh phúc",
        "Hạc Thành, ngày 20 tháng 11 năm 2026",
        "PHIẾU CHUYỂN TUYẾN",
        "(Đề nghị hỗ trợ, can thiệp đối với trẻ em)",
        "Kính gửi: Công an phường Hạc Thành",
        f"Hồ sơ vụ việc số: {case}",
        "Mức độ: KHẨN CẤP",
        "Đề nghị phản hồi trước: 09:00 ngày 21/11/2026",
        f"Họ và tên trẻ em: {CHILD_NAME}",
        "Giới tính: Nữ",
        "Ngày sinh: 02/06/2014",
        "Nơi cư trú: Số 12, ngõ 45 đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
        CARER,
        "Hình thức xâm hại: Bạo lực",
        "Ngày xảy ra: 19/11/2026",
        "Địa điểm xảy ra: Nhà riêng, ngõ 45 đường Lê Lợi, Phường Hạc Thành",
        "trẻ em bị thương tích",
        f"{PERPETRATOR}; quan hệ với trẻ em: Cha/mẹ kế, nuôi",  # the police need to know who is suspected
        "Điều tra, xác minh hành vi bạo lực; bảo vệ an toàn cho trẻ.",
        "Trẻ đang ở nhà bà ngoại, tổ dân phố 5.",
        "Ý kiến của trẻ em (từ đủ 7 tuổi): Đồng ý",
        "Ý kiến của cha, mẹ, người chăm sóc: Đồng ý",
        "Nơi nhận:",
        "Như trên;",
        f"Lưu: hồ sơ {case}.",
        "NGƯỜI LẬP PHIẾU",
        "Nguyễn Thị Hoà",  # officer_a sent it
    ):
        assert expected in text, expected
    assert "DỰ THẢO" not in text
    assert_confidential(text)
    [entry] = prints(referral)
    assert entry.actor == officer_a
    assert entry.changes == {"status": "sent", "agency": referral.agency_id, "perpetrators_shown": True}


def test_the_receiving_partner_prints_it_while_holding_the_grant_and_no_one_else_reaches_it(
    client, tmp_path, officer_a, officer_b, police, health, sent
):
    referral = sent()
    url = letter_url(referral)

    response = client.get(url)  # anonymous
    assert response.status_code == 302 and reverse("login") in response["Location"]
    for outsider in (officer_b, health):  # another commune; a partner of another agency
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    assert client.post(url).status_code in (404, 405)  # GET and HEAD only
    assert prints(referral) == []

    client.force_login(police)
    response = client.get(url)
    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert CHILD_NAME in text and "Kính gửi: Công an phường Hạc Thành" in text and PERPETRATOR in text
    assert_confidential(text)
    [entry] = prints(referral)
    assert entry.actor == police and entry.changes["perpetrators_shown"] is True

    referral_act(actor=officer_a, referral=referral, action="withdraw", version=referral.version, data={"reason": "x"})
    assert client.get(url).status_code == 404  # the grant went with the withdrawal
    assert len(prints(referral)) == 1


def test_a_health_agency_letter_keeps_the_suspects_out(client, tmp_path, health, health_agency, sent):
    referral = sent(agency=health_agency, urgency=Urgency.NORMAL, services_requested="Khám, điều trị vết thương.")
    client.force_login(health)

    response = client.get(letter_url(referral))

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert "Kính gửi: Trạm Y tế phường Hạc Thành" in text and "Khám, điều trị vết thương." in text
    assert "Mức độ: Thông thường" in text and "KHẨN CẤP" not in text
    assert CHILD_NAME in text and CARER in text
    assert PERPETRATOR not in text and "Người bị nghi xâm hại" not in text
    assert_confidential(text)
    assert prints(referral)[0].changes["perpetrators_shown"] is False


def test_a_draft_prints_marked_as_such_for_the_supervisor(client, tmp_path, supervisor, draft):
    referral = draft()
    client.force_login(supervisor)

    response = client.get(letter_url(referral))

    assert response.status_code == 200
    text = pdf_text(tmp_path, response.content)
    assert "DỰ THẢO" in text and "PHIẾU CHUYỂN TUYẾN" in text and CHILD_NAME in text
    assert "Hạc Thành, ngày 20 tháng 11 năm 2026" in text  # not sent: today
    assert "Đề nghị phản hồi trước" not in text  # no response is owed before sending
    assert "Nguyễn Thị Hoà" in text  # the officer who drafted it
    assert_confidential(text)
    [entry] = prints(referral)
    assert entry.actor == supervisor and entry.changes["status"] == "draft"


def test_what_the_letter_carries_follows_the_addressee_whoever_prints_it(
    client, tmp_path, officer_a, supervisor, health_agency, sent
):
    """NĐ 56 Đ33, need to know: the suspects go to the police, procuracy and courts only. The commune printing its
    copy of a health agency's letter prints what the health agency receives, not what the commune itself may see."""
    to_health = sent(agency=health_agency, urgency=Urgency.NORMAL, services_requested="Khám, điều trị vết thương.")
    to_police = sent()

    for printer in (officer_a, supervisor):
        client.force_login(printer)
        text = pdf_text(tmp_path, client.get(letter_url(to_health)).content)
        assert "Kính gửi: Trạm Y tế phường Hạc Thành" in text and CHILD_NAME in text
        assert PERPETRATOR not in text and "Người bị nghi xâm hại" not in text, printer
        assert prints(to_health)[-1].changes["perpetrators_shown"] is False
    client.force_login(officer_a)
    text = pdf_text(tmp_path, client.get(letter_url(to_police)).content)
    assert f"{PERPETRATOR}; quan hệ với trẻ em: Cha/mẹ kế, nuôi" in text
