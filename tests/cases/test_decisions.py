"""The chair's decisions as documents of their own (cases/documents.py): each rendered and read back with poppler, who
signs (chair, vice-chair), who may print them, the audit of each print, and the separation's extension step."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from cases.documents import DECISION_KINDS, decision_number, decision_steps, render_case_document
from cases.models import Case, CaseState, DeadlineKind, DeadlineStatus, EmergencyMeasure
from cases.services import case_act
from childprotect.accounts.models import Position, Role
from childprotect.accounts.signatures import chair_signature
from childprotect.audit.models import AuditEntry
from tests.factories import UserFactory
from tests.support.builders import SEPARATION, act, open_case, snapshot, walk
from tests.support.clock import NOW, local
from tests.support.pages import NATIONAL, pdf_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"),
]

S = CaseState
COMMON_BASES = ("Luật Tổ chức chính quyền địa phương", "Luật Trẻ em ngày 05 tháng 4 năm 2016", "56/2017/NĐ-CP")


@pytest.fixture
def vice_chair(commune_a):
    return UserFactory(
        username="phochutich_a",
        full_name="Vũ Thị Hằng",
        role=Role.COMMUNE_CHAIR,
        unit=commune_a,
        position=Position.DEPUTY,
    )


@pytest.fixture
def separated(officer_a, chair_a, make_report, make_child) -> Case:
    """A case whose chair decided emergency measures and a 15-day separation (decision numbers recorded)."""
    case = open_case(officer_a, make_report, make_child)
    act(officer_a, case, "assess_initial")
    act(chair_a, case, "decide_emergency", **SEPARATION, decision_number="11", separation_decision_number="12/QĐ-UBND")
    case.refresh_from_db()
    return case


def url(case: Case, kind: str, step=None) -> str:
    base = reverse("cases:case_decision_pdf", args=[case.pk, kind])
    return f"{base}?step={step.pk}" if step is not None else base


def prints(case: Case, kind: str) -> int:
    return AuditEntry.objects.filter(action="case.print", object_id=str(case.pk), changes__decision=kind).count()


def assert_decision(text: str, *, number: str, signer: tuple[str, ...], articles: tuple[str, ...]) -> None:
    assert NATIONAL in text
    assert "QUYẾT ĐỊNH" in text and "QUYẾT ĐỊNH:" in text
    assert f"Số: {number}" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG HẠC THÀNH" in text
    for basis in COMMON_BASES:
        assert basis in text, basis
    assert all(f"Điều {n}." in text for n in (1, 2, 3))
    assert "Nơi nhận:" in text and "Như Điều 3;" in text
    for words in (*signer, *articles):
        assert words in text, words


# --- each decision, read back ---------------------------------------------------------------------------------------


def test_emergency_and_separation_are_two_decisions_signed_by_the_chair(client, tmp_path, chair_a, separated):
    client.force_login(chair_a)

    emergency = client.get(url(separated, "emergency"))
    separation = client.get(url(separated, "separation"))

    assert emergency.status_code == separation.status_code == 200
    text = pdf_text(tmp_path, emergency.content)
    assert_decision(text, number="11/QĐ-UBND", signer=("CHỦ TỊCH", "Lê Văn Thắng"), articles=("Điều 31",))
    assert "KT. CHỦ TỊCH" not in text and "TM." not in text
    assert "Về việc áp dụng biện pháp bảo vệ khẩn cấp" in text and "Nguyễn Văn An" in text
    assert "Đưa trẻ đi khám tại Trạm Y tế phường" in text and "12/QĐ-UBND" in text  # refers to Mẫu 07

    text = pdf_text(tmp_path, separation.content)
    assert_decision(text, number="12/QĐ-UBND", signer=("CHỦ TỊCH", "Lê Văn Thắng"), articles=("Điều 32",))
    assert "Mẫu số 07" in text and "Về việc tạm thời cách ly trẻ em Nguyễn Văn An" in text
    assert "đến hết ngày 05/12/2026" in text and str(SEPARATION["placement"]) in text
    assert (prints(separated, "emergency"), prints(separated, "separation")) == (1, 1)
    entry = AuditEntry.objects.filter(action="case.print", changes__decision="separation").get()
    assert entry.actor == chair_a and entry.changes["step"] == separated.steps.get(action="decide_emergency").pk


def test_no_emergency_measure_needed_prints_no_decision(client, officer_a, chair_a, make_report, make_child):
    case = open_case(officer_a, make_report, make_child)
    walk(case, S.EMERGENCY_DECIDED, officer=officer_a, chair=chair_a)  # "not needed" (the builders' default)
    client.force_login(chair_a)

    assert client.get(url(case, "emergency")).status_code == 404
    assert client.get(url(case, "separation")).status_code == 404
    assert decision_steps(case, "emergency") == []
    assert prints(case, "emergency") == 0


def test_a_vice_chair_signs_kt_chu_tich(client, tmp_path, officer_a, vice_chair, make_report, make_child):
    case = open_case(officer_a, make_report, make_child)
    act(officer_a, case, "assess_initial")
    act(vice_chair, case, "decide_emergency", **SEPARATION)
    client.force_login(officer_a)

    text = pdf_text(tmp_path, client.get(url(case, "separation")).content)

    assert_decision(
        text, number="......./QĐ-UBND", signer=("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Vũ Thị Hằng"), articles=("Điều 32",)
    )


def test_extension_and_end_of_the_separation_are_decisions(client, tmp_path, clock, chair_a, separated):
    clock.move_to(local(2026, 12, 4, 10, 0))
    extended = act(chair_a, separated, "extend_separation", separation_until=dt.date(2026, 12, 15))
    clock.move_to(local(2026, 12, 10, 9, 0))
    ended = act(chair_a, separated, "end_separation", end_decided_on=dt.date(2026, 12, 10))
    client.force_login(chair_a)

    text = pdf_text(tmp_path, client.get(url(separated, "separation-extension", extended)).content)
    assert_decision(text, number="18/QĐ-UBND", signer=("CHỦ TỊCH", "Lê Văn Thắng"), articles=("Điều 32",))
    assert "Về việc gia hạn thời hạn tạm thời cách ly trẻ em" in text
    assert "từ ngày 05/12/2026 đến hết ngày 15/12/2026" in text
    assert "Quyết định số 12/QĐ-UBND ngày 20/11/2026" in text  # the separation it extends
    assert "Căn cứ yêu cầu tiếp tục cách ly của Công an phường Hạc Thành" in text  # the authority's request

    text = pdf_text(tmp_path, client.get(url(separated, "separation-end", ended)).content)
    assert_decision(text, number="21/QĐ-UBND", signer=("CHỦ TỊCH", "Lê Văn Thắng"), articles=("Điều 32",))
    assert "Về việc chấm dứt việc tạm thời cách ly trẻ em" in text and "kể từ ngày 10/12/2026" in text
    assert "Hạc Thành, ngày 10 tháng 12 năm 2026" in text  # the decision's own date


def test_plan_approval_mau05_and_closure(client, tmp_path, officer_a, chair_a, vice_chair, make_report, make_child):
    case = open_case(officer_a, make_report, make_child)
    walk(case, S.PLAN_DRAFTED, officer=officer_a, chair=chair_a)
    act(vice_chair, case, "approve_plan")
    walk(case, S.CLOSED, officer=officer_a, chair=chair_a)
    client.force_login(officer_a)

    approval = client.get(url(case, "plan-approval"))
    form05 = client.get(reverse("cases:case_form_pdf", args=[case.pk, "05"]))
    text = pdf_text(tmp_path, approval.content)
    assert pdf_text(tmp_path, form05.content) == text  # one document, two addresses
    assert_decision(
        text,
        number="15/QĐ-UBND",
        signer=("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Vũ Thị Hằng"),
        articles=("khoản 2 Điều 28", "Điều 30"),
    )
    assert "Mẫu số 05" in text and "Điều 31" not in text

    text = pdf_text(tmp_path, client.get(url(case, "closure")).content)
    assert_decision(text, number="......./QĐ-UBND", signer=("CHỦ TỊCH", "Lê Văn Thắng"), articles=("Điều 30",))
    assert "Về việc kết thúc hỗ trợ, can thiệp và đóng hồ sơ" in text and "Quyết định số 15/QĐ-UBND" in text


def test_mau02_no_longer_holds_the_decision_and_refers_to_its_number(client, tmp_path, officer_a, separated):
    client.force_login(officer_a)

    text = pdf_text(tmp_path, client.get(reverse("cases:case_form_pdf", args=[separated.pk, "02"])).content)

    assert "BIÊN BẢN ĐÁNH GIÁ NGUY CƠ BAN ĐẦU" in text and "NGƯỜI ĐÁNH GIÁ" in text
    assert "tại Quyết định số 11/QĐ-UBND ngày 20/11/2026" in text
    for gone in ("QUYẾT ĐỊNH VỀ BIỆN PHÁP BẢO VỆ KHẨN CẤP", "Người quyết định", "Đưa trẻ đi khám", "Cách ly tạm thời"):
        assert gone not in text, gone


def test_mau04_is_the_officer_s_draft_without_the_committee_s_number(client, tmp_path, officer_a, chair_a, separated):
    walk(separated, S.IMPLEMENTING, officer=officer_a, chair=chair_a)
    client.force_login(officer_a)

    text = pdf_text(tmp_path, client.get(reverse("cases:case_form_pdf", args=[separated.pk, "04"])).content)

    assert "KH-UBND" not in text and "NGƯỜI LẬP KẾ HOẠCH" in text
    assert "Kèm theo Quyết định số 15/QĐ-UBND ngày 20/11/2026" in text
    assert "Điều 31" not in text and "Điều 30" in text


# --- the interface ---------------------------------------------------------------------------------------------------


def test_render_case_document_checks_the_viewer_the_kind_and_the_step(officer_a, police, separated):
    pdf, name = render_case_document(officer_a, separated, "separation")
    step = separated.steps.get(action="decide_emergency")
    assert pdf.startswith(b"%PDF-") and name == f"{separated}-quyet-dinh-separation-{step.pk}.pdf"
    assert render_case_document(officer_a, separated, "emergency", step)[0].startswith(b"%PDF-")
    with pytest.raises(Http404):
        render_case_document(officer_a, separated, "nothing")
    with pytest.raises(Http404):
        render_case_document(officer_a, separated, "separation-end")  # not ended yet
    with pytest.raises(Http404):
        render_case_document(officer_a, separated, "emergency", separated.steps.get(action="assess_initial"))
    with pytest.raises(PermissionDenied):
        render_case_document(police, separated, "separation")
    assert {k.action for k in DECISION_KINDS} == {
        "decide_emergency",
        "extend_separation",
        "end_separation",
        "approve_plan",
        "approve_closure",
    }
    assert not AuditEntry.objects.filter(action="case.print").exists()  # the caller audits


def test_decision_numbers_and_the_chair_without_a_position(chair_a, vice_chair):
    assert decision_number("15") == "15/QĐ-UBND"
    assert decision_number(" 15/2026/QĐ-UBND ") == "15/2026/QĐ-UBND"
    assert decision_number("") == "......./QĐ-UBND"
    assert chair_a.position == ""  # not recorded: the head's title with the name of the account that decided
    assert (chair_signature(chair_a).lines, chair_signature(chair_a).name) == (("CHỦ TỊCH",), "Lê Văn Thắng")
    assert chair_signature(vice_chair).lines == ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
    assert chair_signature(None).name == ""


# --- who may print ---------------------------------------------------------------------------------------------------


def test_decisions_only_for_those_who_reach_the_case_and_may_see_the_child(
    client, officer_a, officer_b, police, supervisor, separated
):
    target = url(separated, "separation")
    response = client.get(target)
    assert response.status_code == 302  # anonymous: to the login page

    client.force_login(officer_b)
    assert client.get(target).status_code == 404
    client.force_login(police)
    assert client.get(target).status_code in (403, 404)
    client.force_login(supervisor)
    assert client.get(reverse("cases:case_decision_pdf", args=[separated.pk, "nothing"])).status_code == 404
    assert client.get(target + "?step=abc").status_code == 404
    assert client.get(target + "?step=999999").status_code == 404
    assert prints(separated, "separation") == 0
    assert client.get(target).status_code == 200
    assert prints(separated, "separation") == 1


def test_the_case_page_links_each_decision_from_its_step(client, officer_a, separated):
    client.force_login(officer_a)
    step = separated.steps.get(action="decide_emergency")

    page = client.get(reverse("cases:case_detail", args=[separated.pk])).content.decode()

    assert url(separated, "emergency", step).replace("&", "&amp;") in page
    assert url(separated, "separation", step) in page


# --- the extension step ----------------------------------------------------------------------------------------------


def test_an_extension_within_15_days_needs_no_authority_and_moves_the_deadline(
    clock, officer_a, chair_a, make_report, make_child
):
    case = open_case(officer_a, make_report, make_child)
    act(officer_a, case, "assess_initial")
    act(chair_a, case, "decide_emergency", **{**SEPARATION, "separation_days": 7})  # to 27/11
    old = case.deadlines.get(kind=DeadlineKind.SEPARATION_END, status=DeadlineStatus.OPEN)
    clock.move_to(local(2026, 11, 26, 10, 0))
    case.refresh_from_db()
    version = case.version

    step = act(chair_a, case, "extend_separation", separation_until=dt.date(2026, 12, 5), requested_by="")

    case.refresh_from_db()
    assert case.version == version + 1 and case.state == S.EMERGENCY_DECIDED
    old.refresh_from_db()
    assert old.status == DeadlineStatus.CANCELLED
    new = case.deadlines.get(kind=DeadlineKind.SEPARATION_END, status=DeadlineStatus.OPEN)
    assert new.due_at == local(2026, 12, 5, 23, 59, 59)
    assert case.next_due_at is not None
    measure = EmergencyMeasure.objects.get(case=case)
    assert (measure.separation_until, measure.extension_decision) == (dt.date(2026, 12, 5), "18/QĐ-UBND")
    entry = AuditEntry.objects.get(action="case.extend_separation", object_id=str(case.pk))
    assert entry.actor == chair_a and entry.changes["separation_until"] == ["2026-11-27", "2026-12-05"]
    assert step.record["extension_decision_number"] == "18/QĐ-UBND"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"separation_until": dt.date(2026, 12, 10), "requested_by": ""}, "requested_by", "cơ quan có thẩm quyền"),
        ({"separation_until": dt.date(2026, 12, 3)}, "separation_until", "phải sau ngày kết thúc hiện tại"),
        ({"separation_until": dt.date(2027, 1, 30)}, "separation_until", "không quá 15 ngày"),
        ({"extension_decision_number": "  "}, "extension_decision_number", "số quyết định gia hạn"),
        ({"extension_decided_on": dt.date(2026, 12, 9)}, "extension_decided_on", "không được sau hôm nay"),
        ({"extension_decided_on": dt.date(2026, 11, 1)}, "extension_decided_on", "không được trước ngày"),
    ],
    ids=["beyond-15-days-alone", "not-later", "too-long", "no-number", "future", "before-separation"],
)
def test_a_bad_extension_says_why_in_vietnamese_and_changes_nothing(overrides, field, words, clock, chair_a, separated):
    clock.move_to(local(2026, 12, 4, 10, 0))
    before = snapshot(separated)

    with pytest.raises(ValidationError) as exc:
        act(chair_a, separated, "extend_separation", **overrides)

    assert words in " ".join(exc.value.message_dict[field])
    assert snapshot(separated) == before


def test_the_extension_is_the_chair_s_only_while_a_separation_runs_and_checks_the_version(
    officer_a, chair_a, separated, make_report, make_child
):
    before = snapshot(separated)
    with pytest.raises(ValidationError):
        act(officer_a, separated, "extend_separation")
    with pytest.raises(ValidationError):  # a stale version
        case_act(
            actor=chair_a,
            case=separated,
            action="extend_separation",
            version=separated.version - 1,
            data={"extension_decision_number": "1", "separation_until": dt.date(2026, 12, 20)},
        )
    assert snapshot(separated) == before

    other = open_case(officer_a, make_report, make_child, child_name="Lê Văn Bình")
    act(officer_a, other, "assess_initial")
    act(chair_a, other, "decide_emergency", **{**SEPARATION, "separation": False})  # measures, no separation
    before = snapshot(other)
    with pytest.raises(ValidationError, match="không có biện pháp tách trẻ"):
        act(chair_a, other, "extend_separation")
    assert snapshot(other) == before
    assert NOW  # the clock did not move
