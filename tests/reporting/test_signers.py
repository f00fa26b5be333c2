"""Who signs a periodic report (reporting/signers.py): the PDF's signature block read back with pdftotext for each
case (a province's head, its deputy, a staff sender; a commune's chair, vice-chair, and an officer as sender), the
signer named on the submit page and checked by the service, the ministry recipient a setting, and the other recipients
derived from the units (a "Thành phố Trung ương", a district of the 2024 list)."""

from __future__ import annotations

import shutil

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from childprotect.accounts.models import Position, Role
from childprotect.audit.models import AuditEntry
from childprotect.places.models import AdminUnit, UnitLevel
from reporting.models import PeriodicReport, ReportStatus
from reporting.output import report_context, report_pdf_bytes
from reporting.periods import period_for
from reporting.services import report_prepare, sent_version_pdf
from tests.factories import UserFactory
from tests.support.builders import SEMI
from tests.support.builders import report_step as act
from tests.support.clock import JUNE
from tests.support.pages import pdf_text

pytestmark = [
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.clock_at(JUNE),
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"),
]

HEAD = "Nguyễn Văn Trưởng"
DEPUTY = "Trần Thị Phó"


@pytest.fixture
def leaders(province):
    """The province agency's head and deputy, as recorded on their supervisor accounts."""
    return {
        "head": UserFactory(
            username="giamdoc", full_name=HEAD, role=Role.SUPERVISOR, unit=province, position=Position.HEAD
        ),
        "deputy": UserFactory(
            username="phogiamdoc", full_name=DEPUTY, role=Role.SUPERVISOR, unit=province, position=Position.DEPUTY
        ),
    }


def closing(tmp_path, pdf: bytes) -> str:
    """The closing part of the report: from "Nơi nhận:" to the end of the signature (before the annex of a district's
    or province's report), on the report's last page before the annex."""
    text = pdf_text(tmp_path, pdf)
    assert "Nơi nhận:" in text
    text = text[text.index("Nơi nhận:") :]
    return text.split("Phụ lục SỐ LIỆU THEO XÃ, PHƯỜNG")[0]


def in_order(text: str, *parts: str) -> None:
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        assert found > at, f"{part!r} not after the part before it in: {text}"
        at = found


def sent_province(supervisor, province, **data):
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    act(supervisor, report, "submit", number="15", **data)
    report.refresh_from_db()
    return report


# --- a province's report -------------------------------------------------------------------------------------------


def test_the_head_named_by_a_staff_sender_signs_giam_doc(tmp_path, supervisor, province, leaders):
    report = sent_province(supervisor, province, signer=leaders["head"].pk)
    assert (report.signed_by, report.signer_position) == (leaders["head"], Position.HEAD)
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "GIÁM ĐỐC", "(Ký, ghi rõ họ tên, đóng dấu)", HEAD)
    assert "KT." not in text and "PHÓ GIÁM ĐỐC" not in text and supervisor.full_name not in text


def test_a_deputy_signs_kt_giam_doc_pho_giam_doc(tmp_path, province, leaders):
    deputy = leaders["deputy"]
    report = sent_province(deputy, province, signer=deputy.pk)
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", DEPUTY)
    assert HEAD not in text


def test_a_staff_sender_who_names_nobody_leaves_the_head_title_without_a_name(tmp_path, supervisor, province, leaders):
    report = sent_province(supervisor, province)
    assert report.signed_by is None and report.submitted_by == supervisor
    text = closing(tmp_path, report_pdf_bytes(report))
    assert "GIÁM ĐỐC" in text
    for absent in (supervisor.full_name, HEAD, DEPUTY, "KT.", "PHÓ GIÁM ĐỐC"):
        assert absent not in text, absent


@pytest.mark.parametrize("who", ["self", "inactive", "other_province", "officer"])
def test_only_a_head_or_deputy_of_the_unit_may_be_named_signer(who, supervisor, province, leaders, officer_a):
    other = UserFactory(
        username="gd_khac",
        role=Role.SUPERVISOR,
        unit=AdminUnit.objects.get(list_version=2026, level=UnitLevel.PROVINCE, code="01"),
        position=Position.HEAD,
    )
    if who == "inactive":
        leaders["head"].is_active = False
        leaders["head"].save()
    named = {"self": supervisor, "inactive": leaders["head"], "other_province": other, "officer": officer_a}[who]
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    with pytest.raises(ValidationError) as refused:
        act(supervisor, report, "submit", signer=named.pk)
    assert "Người ký phải là Giám đốc hoặc phó giám đốc Sở Y tế" in refused.value.message_dict["signer"][0]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.signed_by is None


def test_the_submit_page_offers_the_leaders_and_records_the_choice_in_the_audit(client, supervisor, province, leaders):
    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    url = reverse("reporting:report_act", args=[report.pk, "submit"])
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert f"{HEAD} – Giám đốc Sở Y tế" in page and f"{DEPUTY} – Phó Giám đốc Sở Y tế" in page
    assert page.index(HEAD) < page.index(DEPUTY)  # the head first
    assert supervisor.full_name not in page.split('name="signer"')[1].split("</select>")[0]  # staff: not offered
    response = client.post(url, {"version": report.version, "number": "15", "signer": leaders["deputy"].pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.signed_by, report.signer_position) == (
        ReportStatus.SUBMITTED,
        leaders["deputy"],
        Position.DEPUTY,
    )
    entry = AuditEntry.objects.get(action="report.submit", object_id=str(report.pk))
    assert entry.changes["signer"] == {"id": leaders["deputy"].pk, "name": DEPUTY, "position": "deputy"}
    sent = report.sent_versions.get()
    assert (sent.signed_by, sent.signer_position) == (leaders["deputy"], Position.DEPUTY)


def test_the_head_who_sends_is_the_default_signer(client, province, leaders):
    head = leaders["head"]
    report = report_prepare(actor=head, unit=province, kind=SEMI, year=2026)
    client.force_login(head)
    page = client.get(reverse("reporting:report_act", args=[report.pk, "submit"])).content.decode()
    assert f'<option value="{head.pk}" selected>' in page


def test_a_sent_version_keeps_the_position_it_was_signed_in(tmp_path, province, leaders):
    """The deputy later made head: the version sent before still reads KT. / PHÓ GIÁM ĐỐC."""
    deputy = leaders["deputy"]
    report = sent_province(deputy, province, signer=deputy.pk)
    deputy.position = Position.HEAD
    deputy.save()
    report.refresh_from_db()
    text = closing(tmp_path, sent_version_pdf(actor=deputy, sent=report.sent_versions.get()))
    in_order(text, "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", DEPUTY)


def test_the_ministry_recipient_is_a_setting(tmp_path, settings, supervisor, province):
    settings.CHILDPROTECT_MINISTRY_RECIPIENT = "Bộ Lao động - Thương binh và Xã hội (Cục Trẻ em)"
    report = sent_province(supervisor, province)
    text = closing(tmp_path, report_pdf_bytes(report))
    assert "- Bộ Lao động - Thương binh và Xã hội (Cục" in text  # the cell wraps beside the signature block
    in_order(text, "Bộ Lao động", "Trẻ em);", "- UBND tỉnh Thanh Hóa;", "- Lưu: VT.")
    assert report_context(report)["recipients"][0] == "Bộ Lao động - Thương binh và Xã hội (Cục Trẻ em);"
    assert "Bộ Y tế" not in text


def test_the_agency_name_setting_gives_the_titles(tmp_path, settings, province, leaders):
    settings.CHILDPROTECT_PROVINCE_AGENCY_NAME = "Ban Bảo vệ trẻ em"
    deputy = leaders["deputy"]
    report = sent_province(deputy, province, signer=deputy.pk)
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN", DEPUTY)


# --- a commune's report --------------------------------------------------------------------------------------------


def commune_sent(chair, officer, unit):
    report = report_prepare(actor=officer, unit=unit, kind=SEMI, year=2026)
    act(chair, report, "submit", number="07")
    report.refresh_from_db()
    return report


def test_the_chair_signs_tm_uy_ban_nhan_dan_chu_tich(tmp_path, chair_a, officer_a, commune_a):
    chair_a.position = Position.HEAD
    chair_a.save()
    report = commune_sent(chair_a, officer_a, commune_a)
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", chair_a.full_name)
    assert "KT." not in text and "PHÓ CHỦ TỊCH" not in text
    assert "- UBND tỉnh Thanh Hóa (Sở Y tế);" in text


def test_a_vice_chair_signs_kt_chu_tich_pho_chu_tich(tmp_path, officer_a, commune_a):
    vice = UserFactory(
        username="phochutich_a",
        full_name="Đinh Thị Phó",
        role=Role.COMMUNE_CHAIR,
        unit=commune_a,
        position=Position.DEPUTY,
    )
    report = commune_sent(vice, officer_a, commune_a)
    assert (report.signed_by, report.signer_position) == (vice, Position.DEPUTY)
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đinh Thị Phó")


def test_a_chair_account_whose_position_is_not_recorded_leaves_the_name_blank(tmp_path, chair_a, officer_a, commune_a):
    assert chair_a.position == ""
    report = commune_sent(chair_a, officer_a, commune_a)
    assert report.signed_by is None
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert chair_a.full_name not in text


def test_an_officer_is_never_printed_as_the_committees_signer(tmp_path, officer_a, commune_a):
    officer_a.position = Position.STAFF
    officer_a.save()
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    with pytest.raises(ValidationError):  # an officer does not sign for the committee
        act(officer_a, report, "submit")
    # A report sent by the officer all the same (as data from before the signer was recorded): still no name.
    PeriodicReport.objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED, submitted_by=officer_a)
    report.refresh_from_db()
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    assert officer_a.full_name not in text


def test_a_commune_sender_names_no_other_signer(chair_a, officer_a, commune_a, supervisor):
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    with pytest.raises(ValidationError) as refused:
        act(chair_a, report, "submit", signer=supervisor.pk)
    assert "do người gửi ký" in refused.value.message_dict["signer"][0]


def test_the_commune_submit_page_has_no_signer_choice(client, chair_a, officer_a, commune_a):
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    client.force_login(chair_a)
    page = client.get(reverse("reporting:report_act", args=[report.pk, "submit"])).content.decode()
    assert 'name="signer"' not in page and 'name="number"' in page


# --- the recipients and titles derived from the units --------------------------------------------------------------


def units_2024():
    """A province (a "Thành phố Trung ương"), a district of it and a commune of the district, of the 2024 list
    (unsaved: only their names, types and levels are read)."""
    city = AdminUnit(
        list_version=2024, code="01", name="Thành phố Hà Nội", unit_type="Thành phố Trung ương", level="province"
    )
    district = AdminUnit(
        list_version=2024, code="001", name="Quận Ba Đình", unit_type="Quận", level="district", parent=city
    )
    commune = AdminUnit(
        list_version=2024, code="00001", name="Phường Phúc Xá", unit_type="Phường", level="commune", parent=district
    )
    return city, district, commune


def unsaved_report(unit, signer=None, position=""):
    period = period_for(SEMI, 2025)
    report = PeriodicReport(unit=unit, kind=SEMI, year=2025, status=ReportStatus.SUBMITTED, figures={}, number="3")
    report.period_start, report.period_end, report.due_date = period.start, period.end, period.due
    report.signed_by, report.signer_position = signer, position
    return report


def test_a_city_report_goes_to_the_city_ubnd_named_as_a_city():
    city, _district, _commune = units_2024()
    context = report_context(unsaved_report(city))
    assert context["recipients"] == ["Bộ Y tế (Cục Bà mẹ và Trẻ em);", "UBND thành phố Hà Nội;", "Lưu: VT."]
    assert context["issuer_sentence"] == "Sở Y tế thành phố Hà Nội"


def test_a_district_report_is_its_offices_signed_truong_phong(tmp_path):
    city, district, _commune = units_2024()
    head = UserFactory.build(full_name="Lý Văn Phòng", role=Role.SUPERVISOR, position=Position.DEPUTY)
    report = unsaved_report(district, head, Position.DEPUTY)
    context = report_context(report)
    assert context["recipients"] == ["Sở Y tế thành phố Hà Nội;", "UBND quận Ba Đình;", "Lưu: VT."]
    assert (context["issuer_parent"], context["issuer_name"]) == ("UBND Quận Ba Đình", "Phòng Y tế")
    assert context["number_line"] == "Số: 3/BC-PYT"
    text = closing(tmp_path, report_pdf_bytes(report))
    in_order(text, "KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Lý Văn Phòng")


def test_a_commune_of_a_2024_district_reports_to_the_district():
    _city, _district, commune = units_2024()
    context = report_context(unsaved_report(commune))
    assert context["recipients"] == ["UBND quận Ba Đình (Phòng Y tế);", "Lưu: VT."]
    assert context["signature_role"] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"] and context["signer_name"] == ""
