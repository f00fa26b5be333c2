"""Export of the referrals list (XLSX, CSV): who gets which referrals (the partner: their agency's, sent), the list's
filters, protected columns, formula neutralisation, the audit entry and a fixed number of queries."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from childprotect.agencies.models import AgencyType
from childprotect.audit.models import AuditEntry
from tests.support.builders import REPORTER_NAME

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

URL = "referrals:referral_export"
MESSAGE = "Trẻ đang ở nhà bà ngoại, tổ dân phố 5. Liên hệ bà ngoại trước khi đến."


@pytest.fixture
def export(exported):
    """export(user, **params) -> the file's response (an XLSX through its job: tests/support/fixtures.py)."""
    return lambda user, **params: exported(user, reverse(URL), **params)


def body(response) -> bytes:
    """The file's bytes: a streamed CSV read whole (once, kept on the response), an XLSX as it is."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert body(response).startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def numbers(rows) -> list[str]:
    return [row["Số chuyển tuyến"] for row in rows]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse(URL), {"format": "csv"})
    assert response.status_code == 302 and "/login" in response.url


def test_each_user_exports_the_referrals_of_their_list(
    client, officer_a, officer_b, supervisor, police, health, sent, draft, export
):
    out = sent()
    kept = draft()

    assert sorted(numbers(csv_rows(export(officer_a, format="csv")))) == sorted([str(out), str(kept)])
    assert sorted(numbers(csv_rows(export(supervisor, format="csv")))) == sorted([str(out), str(kept)])
    assert numbers(csv_rows(export(officer_b, format="csv"))) == []
    # The police partner: the referral sent to their agency, not the draft; the health partner: nothing.
    (row,) = csv_rows(export(police, format="csv"))
    assert row["Số chuyển tuyến"] == str(out) and row["Trẻ em"] == "Nguyễn Văn An"
    assert row["Cơ quan nhận"] == "Công an phường Hạc Thành" and row["Mức độ"] == "Khẩn cấp"
    assert row["Ngày gửi"] == "20/11/2026 09:00" and row["Hạn phản hồi"]
    assert row["Thông tin cần thiết để thực hiện"] == MESSAGE  # the partner acts on it
    assert csv_rows(export(health, format="csv")) == []


def test_the_export_follows_the_lists_filters(client, officer_a, sent, draft, health_agency, export):
    out = sent()
    to_health = draft(agency=health_agency)
    client.force_login(officer_a)
    listed = client.get(reverse("referrals:referral_list"), {"status": "draft"}).context["page"].object_list

    drafts = csv_rows(export(officer_a, format="csv", status="draft"))
    police = csv_rows(export(officer_a, format="csv", agency_type=AgencyType.POLICE))

    assert numbers(drafts) == [str(r) for r in listed] == [str(to_health)]
    assert [row["Trạng thái"] for row in drafts] == ["Dự thảo"]
    assert numbers(police) == [str(out)]


def test_protected_columns_are_left_out_when_asked_and_no_reporter(client, officer_a, police, sent, export):
    sent(consent_note="Đã hỏi ý kiến mẹ của trẻ.")

    response = export(police, format="csv", protected="0")
    (row,) = csv_rows(response)
    text = body(response).decode("utf-8-sig")

    for header in ("Dịch vụ, hỗ trợ đề nghị", "Thông tin cần thiết để thực hiện", "Ghi chú về sự đồng ý"):
        assert header not in row
    assert MESSAGE not in text and "Đã hỏi ý kiến mẹ" not in text
    for user in (officer_a, police):
        full = body(export(user, format="csv")).decode("utf-8-sig")
        assert MESSAGE in full and REPORTER_NAME not in full and "0987 654 321" not in full


def test_formulas_are_neutralised_in_the_xlsx(client, officer_a, draft, export):
    draft(services_requested='=HYPERLINK("http://evil.example","x")', message="+cmd")

    response = export(officer_a, format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]

    assert all(c.data_type != "f" for c in cells)
    assert {'\'=HYPERLINK("http://evil.example","x")', "'+cmd"} <= {c.value for c in cells}


def test_the_export_is_audited_with_its_filters_and_rows(client, police, sent, export):
    sent()
    export(police, format="xlsx", status="sent", agency_type="police", overdue="")

    entry = AuditEntry.objects.get(action="export.referrals")
    assert entry.actor == police
    assert entry.changes == {
        "format": "xlsx",
        "filters": {"status": "sent", "agency_type": "police"},
        "rows": 1,
        "protected": True,
    }


def test_a_bad_format_goes_back_to_the_list(client, officer_a, export):
    response = export(officer_a, format="docx", status="sent")
    assert response.status_code == 302 and response.url == reverse("referrals:referral_list") + "?status=sent"
    assert not AuditEntry.objects.filter(action="export.referrals").exists()


def test_the_export_takes_the_same_number_of_queries_for_5_or_25_referrals(
    client, officer_a, draft, sent, django_assert_num_queries
):
    def export() -> None:  # 6 queries (sqlite and PostgreSQL alike), with 5 referrals and with 25: none per row
        with django_assert_num_queries(
            6
        ):  # one of them the officer's reach (her commune and the old ones it took over)
            response = client.get(reverse(URL), {"format": "csv"})
        assert response.status_code == 200

    client.force_login(officer_a)
    for _ in range(4):
        draft()
    sent()
    export()
    for _ in range(20):
        draft()
    export()
    assert AuditEntry.objects.filter(action="export.referrals").latest("id").changes["rows"] == 25


def test_the_list_offers_the_export_of_its_current_filters(client, police, sent):
    sent()
    client.force_login(police)
    page = client.get(reverse("referrals:referral_list"), {"status": "sent"}).content.decode()

    assert f'action="{reverse(URL)}"' in page
    assert '<input type="hidden" name="status" value="sent">' in page
    assert 'name="format" value="csv"' in page and 'name="protected" value="0"' in page


def test_no_export_carries_a_suspect_whatever_the_agency(
    client, officer_a, supervisor, police, health_agency, sent, export
):
    """A guard (the list export has no suspect column; referrals.policy decides what a referral carries): whoever
    exports, with the protected columns, no suspect's name and no "carer is the abuser" flag leaves in a file."""
    from cases.models import Perpetrator

    referral = sent()
    sent(agency=health_agency)
    Perpetrator.objects.create(report=referral.case.report, name="Nguyễn Văn Hùng", sex="male")

    for user in (officer_a, supervisor, police):
        text = body(export(user, format="csv")).decode("utf-8-sig")
        assert "Nguyễn Văn Hùng" not in text and "xâm hại" not in text.lower(), user
