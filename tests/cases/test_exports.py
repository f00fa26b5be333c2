"""Exports of the children, reports and cases lists (XLSX, CSV): jurisdiction, the list's filters, protected fields,
no reporter identity, formula neutralisation, the file itself (BOM, Vietnamese text, dates), the audit entry, and a
fixed number of queries whatever the number of rows."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from cases.models import Child, Report
from cases.services import report_attach_child
from childprotect.audit.models import AuditEntry
from childprotect.exports import cell, neutralise
from tests.support.builders import REPORTER_NAME, open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

NATIONAL_ID = "038215001234"
CARER_PHONE = "0912 345 678"
HOME = "Số 12 ngõ 4 phố Bà Triệu"
CHILD_A = "Nguyễn Văn An"
CHILD_B = "Lê Thị Bình"


@pytest.fixture
def export(exported):
    """export(user, name, **params) -> the file's response (an XLSX through its job: tests/support/fixtures.py)."""
    return lambda user, name, **params: exported(user, reverse(f"cases:{name}_export"), **params)


def body(response) -> bytes:
    """The file's bytes: a streamed CSV read whole (once, kept on the response), an XLSX as it is."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert body(response).startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[dict[str, object]]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    headers, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(headers, row, strict=True)) for row in rows]


def column(rows, name: str) -> list:
    return [row[name] for row in rows]


@pytest.fixture
def in_a(officer_a, make_report, make_child):
    """A case in commune A (report, child with protected data, case), built by officer_a."""
    return open_case(officer_a, make_report, make_child, child_name=CHILD_A)


@pytest.fixture
def in_b(officer_b, commune_b, make_report, make_child):
    """A report in commune B with a child living there, attached (so a case), built by officer_b."""
    report = make_report(officer_b, incident_unit=commune_b, description="Trẻ bị bỏ mặc ở nhà một mình.")
    child = make_child(officer_b, full_name=CHILD_B, sex="female", residence_unit=commune_b)
    report_attach_child(actor=officer_b, report=report, child=child)
    return report.cases.get(child=child)


@pytest.fixture
def protected_child(officer_a, make_child):
    return make_child(
        officer_a,
        full_name="Trần Minh Khang",
        national_id=NATIONAL_ID,
        address=HOME,
        notes="Gia đình khó khăn.",
        circumstances=["d"],
        carers=[{"full_name": "Trần Thị Hạnh", "relation": "mẹ", "phone": CARER_PHONE}],
    )


# --- the shared rules ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x.example","bấm")', '\'=HYPERLINK("http://x.example","bấm")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("  =1+1", "'  =1+1"),
        ("\t=1+1", "'\t=1+1"),
        ("\rabc", "'\rabc"),
        ("＝1+1", "'＝1+1"),
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_prefixes_what_a_spreadsheet_would_read_as_a_formula(value, expected):
    assert neutralise(value) == expected


def test_cells_dates_in_vietnam_time_yes_no_numbers_kept():
    import datetime as dt
    from zoneinfo import ZoneInfo

    assert cell(dt.date(2015, 3, 5)) == "05/03/2015"
    assert cell(dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)) == "20/11/2026 08:30"
    assert cell(dt.datetime(2026, 11, 20, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))) == "20/11/2026 08:30"
    assert (cell(True), cell(False), cell(None), cell(2015)) == ("Có", "Không", "", 2015)


# --- who gets what -------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for name in ("child", "report", "case"):
        response = client.get(reverse(f"cases:{name}_export"), {"format": "csv"})
        assert response.status_code == 302 and "/login" in response.url
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_officer_b_exports_none_of_commune_a(client, officer_b, in_a, in_b, export):
    children = csv_rows(export(officer_b, "child", format="csv"))
    reports = csv_rows(export(officer_b, "report", format="csv"))
    cases = csv_rows(export(officer_b, "case", format="csv"))

    assert column(children, "Họ và tên") == [CHILD_B]
    assert column(reports, "Số tiếp nhận") == [in_b.report.reference]
    assert column(cases, "Trẻ em") == [CHILD_B]
    assert column(cases, "Hồ sơ") == [str(in_b)]


def test_officer_a_exports_commune_a_only(client, officer_a, in_a, in_b, export):
    assert column(csv_rows(export(officer_a, "child", format="csv")), "Họ và tên") == [CHILD_A]
    assert column(csv_rows(export(officer_a, "case", format="csv")), "Trẻ em") == [CHILD_A]
    assert column(csv_rows(export(officer_a, "report", format="csv")), "Số tiếp nhận") == [in_a.report.reference]


def test_the_province_supervisor_exports_both_communes(client, supervisor, in_a, in_b, export):
    assert sorted(column(csv_rows(export(supervisor, "child", format="csv")), "Họ và tên")) == [
        CHILD_B,
        CHILD_A,
    ]
    assert len(csv_rows(export(supervisor, "report", format="csv"))) == 2
    assert sorted(column(csv_rows(export(supervisor, "case", format="csv")), "Trẻ em")) == [CHILD_B, CHILD_A]


def test_a_partner_gets_404_on_children_and_cases_and_only_the_reports_they_logged(
    client, police, commune_a, in_a, make_report, export
):
    assert export(police, "child", format="csv").status_code == 404
    assert export(police, "case", format="xlsx").status_code == 404
    logged = make_report(police, incident_unit=commune_a, description="Công an nhận tin báo qua đường dây nóng.")

    rows = csv_rows(export(police, "report", format="csv", protected="1"))

    assert column(rows, "Số tiếp nhận") == [logged.reference]
    # The account of what happened is protected: a partner's file never has it, even when asked for.
    assert "Nội dung sự việc" not in rows[0] and "Địa điểm cụ thể" not in rows[0]
    assert AuditEntry.objects.get(action="export.reports").changes["protected"] is False
    assert not AuditEntry.objects.filter(action__in=["export.children", "export.cases"]).exists()


# --- the list's filters --------------------------------------------------------------------------------------------


def test_the_children_export_is_the_filtered_list_in_its_order(client, supervisor, officer_a, make_child, in_b, export):
    make_child(officer_a, full_name="Phạm Thị Cúc", sex="female", date_of_birth=None, birth_year=2016)
    make_child(officer_a, full_name="Đỗ Văn Dũng", sex="male", date_of_birth=None, birth_year=2017)
    client.force_login(supervisor)
    listed = client.get(reverse("cases:child_list"), {"sex": "female"}).context["page"].object_list

    rows = csv_rows(export(None, "child", format="csv", sex="female"))

    assert column(rows, "Họ và tên") == [c.full_name for c in listed] == [CHILD_B, "Phạm Thị Cúc"]
    assert set(column(rows, "Giới tính")) == {"Nữ"}
    assert column(csv_rows(export(None, "child", format="csv", q="dung")), "Họ và tên") == ["Đỗ Văn Dũng"]


def test_the_reports_export_follows_the_status_and_unit_filters(client, supervisor, in_a, in_b, commune_b, export):
    Report.objects.filter(pk=in_b.report_id).update(status="closed")

    closed = csv_rows(export(supervisor, "report", format="csv", status="closed"))
    in_unit = csv_rows(export(supervisor, "report", format="csv", unit=commune_b.code))

    assert column(closed, "Số tiếp nhận") == [in_b.report.reference]
    assert column(closed, "Trạng thái") == ["Đã kết thúc"]
    assert column(in_unit, "Số tiếp nhận") == [in_b.report.reference]


def test_the_cases_export_follows_the_state_filter(client, supervisor, in_a, in_b, export):
    from cases.models import Case

    Case.objects.filter(pk=in_a.pk).update(state="initial_assessed")

    rows = csv_rows(export(supervisor, "case", format="csv", state="initial_assessed"))

    assert column(rows, "Trẻ em") == [CHILD_A]
    assert column(rows, "Bước hiện tại") == ["Đã đánh giá nguy cơ ban đầu"]
    assert len(csv_rows(export(supervisor, "case", format="csv", state="nonsense"))) == 2  # as the list


# --- protected fields and the reporter -----------------------------------------------------------------------------


def test_protected_fields_go_to_who_may_see_them_and_are_left_out_when_asked(
    client, officer_a, protected_child, export
):
    full = csv_rows(export(officer_a, "child", format="csv"))
    (row,) = full
    assert row["Mã định danh cá nhân"] == NATIONAL_ID
    assert row["Địa chỉ"] == HOME
    assert row["Hoàn cảnh đặc biệt"] == "d) Khuyết tật"
    assert row["Người chăm sóc"] == f"Trần Thị Hạnh (mẹ) {CARER_PHONE}"
    assert row["Ghi chú"] == "Gia đình khó khăn."

    response = export(officer_a, "child", format="csv", protected="0")
    (row,) = csv_rows(response)
    text = body(response).decode("utf-8-sig")
    for header in ("Mã định danh cá nhân", "Dân tộc", "Hoàn cảnh đặc biệt", "Địa chỉ", "Người chăm sóc", "Ghi chú"):
        assert header not in row
    for secret in (NATIONAL_ID, HOME, CARER_PHONE, "Trần Thị Hạnh", "Khuyết tật", "Gia đình khó khăn"):
        assert secret not in text
    assert row["Họ và tên"] == "Trần Minh Khang"
    entries = list(AuditEntry.objects.filter(action="export.children").order_by("id"))
    assert [e.changes["protected"] for e in entries] == [True, False]


def test_the_cases_export_leaves_the_childs_protected_data_out_when_asked(client, officer_a, make_report, in_a, export):
    Child.objects.filter(pk=in_a.child_id).update(national_id=NATIONAL_ID, address=HOME)

    (full,) = csv_rows(export(officer_a, "case", format="csv"))
    response = export(officer_a, "case", format="csv", protected="0")
    (plain,) = csv_rows(response)

    assert (full["Mã định danh cá nhân"], full["Địa chỉ"]) == (NATIONAL_ID, HOME)
    assert "Mã định danh cá nhân" not in plain and NATIONAL_ID not in body(response).decode("utf-8-sig")


def test_no_reporter_identity_in_any_export_even_for_who_may_see_it(
    client, officer_a, chair_a, supervisor, in_a, make_report, export
):
    make_report(officer_a, reporter_relation="Cô giáo chủ nhiệm lớp 5A")
    for user in (chair_a, supervisor):
        for name in ("report", "case", "child"):
            for fmt in ("csv", "xlsx"):
                response = export(user, name, format=fmt, protected="1")
                assert response.status_code == 200
                if fmt == "csv":
                    text = body(response).decode("utf-8-sig")
                else:
                    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
                    text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
                assert REPORTER_NAME not in text
                assert "0987 654 321" not in text and "Tổ dân phố 3" not in text and "Cô giáo chủ nhiệm" not in text
                assert "người báo tin" not in text.lower()
    # The report's own account does go to the chair (commune staff) when protected fields are asked for.
    rows = csv_rows(export(chair_a, "report", format="csv"))
    assert all(row["Nội dung sự việc"].startswith("Hàng xóm nghe thấy") for row in rows) and len(rows) == 2


# --- the file ------------------------------------------------------------------------------------------------------


def test_formulas_in_names_are_neutralised_in_csv_and_xlsx(client, officer_a, make_child, export):
    make_child(officer_a, full_name='=HYPERLINK("http://evil.example","Nhấn")', notes="-1+2")
    make_child(officer_a, full_name="+cmd|' /C calc'!A0", other_names="@SUM(1)")

    csv_names = column(csv_rows(export(officer_a, "child", format="csv")), "Họ và tên")
    response = export(officer_a, "child", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]

    assert sorted(csv_names) == sorted(['\'=HYPERLINK("http://evil.example","Nhấn")', "'+cmd|' /C calc'!A0"])
    assert all(c.data_type != "f" for c in cells)
    values = {c.value for c in cells}
    assert '\'=HYPERLINK("http://evil.example","Nhấn")' in values
    assert {"'+cmd|' /C calc'!A0", "'@SUM(1)", "'-1+2"} <= values


def test_csv_has_a_bom_vietnamese_headers_and_text_and_dates_as_written_in_vietnam(client, officer_a, in_a, export):
    response = export(officer_a, "child", format="csv")

    assert body(response)[:3] == codecs.BOM_UTF8
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeffHọ và tên,Tên gọi khác,Ngày sinh,Năm sinh")
    (row,) = csv_rows(response)
    assert row["Họ và tên"] == CHILD_A
    assert row["Ngày sinh"] == "05/03/2015" and row["Năm sinh"] == "2015"
    assert row["Ngày đăng ký"] == "20/11/2026 09:00"
    assert row["Xã, phường nơi cư trú"] == "Phường Hạc Thành" and row["Tỉnh, thành phố"] == "Tỉnh Thanh Hóa"
    assert row["Giới tính"] == "Nam" and row["Năm sinh ước tính"] == "Không"
    assert response["Content-Disposition"].startswith('attachment; filename="tre-em-20261120-0900.csv"')
    assert response["Cache-Control"] == "no-store, private"


def test_a_csv_export_is_streamed_header_first_then_the_rows_in_chunks(
    client, officer_a, make_child, monkeypatch, export
):
    monkeypatch.setattr("childprotect.exports.CHUNK_SIZE", 2)
    names = [f"Trẻ số {i}" for i in range(5)]
    for name in names:
        make_child(officer_a, full_name=name)
    client.force_login(officer_a)

    response = client.get(reverse("cases:child_export"), {"format": "csv"})

    assert response.streaming is True
    assert not response.has_header("Content-Length")
    # The audit entry is written with the row count before the first byte goes out.
    entry = AuditEntry.objects.get(action="export.children")
    assert entry.changes["rows"] == 5 and entry.changes["format"] == "csv"
    chunks = list(response.streaming_content)
    first = chunks[0].decode("utf-8")
    assert first.startswith("\ufeffHọ và tên,Tên gọi khác,Ngày sinh,Năm sinh") and first.count("\r\n") == 1
    assert len(chunks) == 4  # the header, then 2 + 2 + 1 rows
    streamed = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert sorted(column(streamed, "Họ và tên")) == sorted(names)
    # The same rows, in the same order, with the same cells as the XLSX of the same list.
    as_xlsx = xlsx_rows(export(None, "child", format="xlsx"))
    assert streamed == [{k: "" if v is None else str(v) for k, v in row.items()} for row in as_xlsx]


def test_the_header_decision_of_a_streamed_file_agrees_with_each_rows_policy(
    officer_a, chair_a, supervisor, police, in_a
):
    from cases.resources import CaseExportResource, ChildExportResource, ReportExportResource

    for user in (officer_a, chair_a, supervisor, police):
        for resource, row in (
            (ChildExportResource, in_a.child),
            (CaseExportResource, in_a),
            (ReportExportResource, in_a.report),
        ):
            made = resource(user=user, protected=True)
            assert made.may_see_protected() == made.sees_protected(row), (resource, user)


def test_xlsx_reads_back_with_openpyxl(client, supervisor, in_a, export):
    response = export(supervisor, "report", format="xlsx")

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="thong-tin-thong-bao-to-giac-20261120-0900.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert workbook.active.title == "Thông tin, thông báo, tố giác"
    (row,) = xlsx_rows(response)
    assert row["Số tiếp nhận"] == in_a.report.reference
    assert row["Thời điểm tiếp nhận"] == "20/11/2026 08:30"
    assert row["Kênh tiếp nhận"] == "Điện thoại"
    assert row["Hình thức xâm hại"] == "Bạo lực"
    assert row["Xã, phường nơi xảy ra"] == "Phường Hạc Thành"
    assert row["Người tiếp nhận"] == "Nguyễn Thị Hoà"
    description = row["Nội dung sự việc"]
    assert isinstance(description, str) and description.startswith("Hàng xóm nghe thấy")

    (case_row,) = xlsx_rows(export(supervisor, "case", format="xlsx"))
    assert case_row["Hồ sơ"] == str(in_a) and case_row["Thông tin số"] == in_a.report.reference
    assert case_row["Bước hiện tại"] == "Mới tiếp nhận" and case_row["Cán bộ phụ trách"] == "Nguyễn Thị Hoà"
    assert case_row["Năm sinh"] == 2015  # numbers stay numbers
    assert case_row["Hạn tiếp theo"] and case_row["Quá hạn"] == "Không"


def test_a_bad_format_goes_back_to_the_list_with_a_message_and_writes_nothing(client, officer_a, in_a, export):
    response = export(officer_a, "child", format="pdf", sex="male", page="2")

    assert response.status_code == 302
    assert response.url == reverse("cases:child_list") + "?sex=male"
    page = client.get(response.url)
    assert "Định dạng tệp không hợp lệ" in page.content.decode()
    assert export(officer_a, "case", format="<script>").status_code == 302
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_no_format_given_is_xlsx(client, officer_a, in_a, export):
    response = export(officer_a, "case")
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert len(xlsx_rows(response)) == 1


# --- the audit log -------------------------------------------------------------------------------------------------


def test_every_export_writes_one_audit_entry_with_its_filters_and_row_count(client, supervisor, in_a, in_b, export):
    export(supervisor, "child", format="csv", sex="female", q="", order="name", page="3")
    export(supervisor, "report", format="xlsx", protected="0")
    export(supervisor, "case", format="csv", state="received", overdue="0")

    asked = AuditEntry.objects.filter(action__startswith="export.").exclude(action="export.download")
    children, reports, cases = asked.order_by("id")
    assert children.action == "export.children" and children.actor == supervisor
    assert children.changes == {
        "format": "csv",
        "filters": {"sex": "female", "order": "name"},
        "rows": 1,
        "protected": True,
    }
    assert reports.action == "export.reports"
    assert reports.object_type is not None and reports.object_type.model == "exportjob"  # the XLSX's job
    assert reports.changes == {"format": "xlsx", "filters": {}, "rows": 2, "protected": False, "reporter": False}
    assert cases.action == "export.cases"
    assert cases.changes == {
        "format": "csv",
        "filters": {"state": "received", "overdue": "0"},
        "rows": 2,
        "protected": True,
    }
    assert cases.object_repr == "Hồ sơ vụ việc (CSV, 2 dòng)"


# --- queries -------------------------------------------------------------------------------------------------------


# The queries of each export (sqlite and PostgreSQL alike), the same with 5 rows and with 25: none per row. The XLSX
# request counts the rows and records the job with its audit entry; its task reads the rows (with their prefetches).
# Each reads the officer's reach once (her commune and the old communes it took over, the crosswalk).
EXPORT_QUERIES = {"child": 9, "report": 8, "case": 8}
XLSX_REQUEST_QUERIES = {"child": 9, "report": 9, "case": 9}
XLSX_TASK_QUERIES = {"child": 10, "report": 9, "case": 9}


def test_each_export_takes_the_same_number_of_queries_for_5_or_25_rows(
    client, officer_a, make_report, make_child, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.contrib.contenttypes.models import ContentType

    from childprotect.core.export_jobs import export_job_run
    from childprotect.core.models import ExportJob

    def add(count: int, start: int) -> None:
        for i in range(start, start + count):
            case = open_case(
                officer_a, make_report, make_child, child_name=f"Trẻ số {i}", forms=["violence", "neglect"]
            )
            Child.objects.filter(pk=case.child_id).update(address=f"Nhà số {i}")
            case.child.carers.create(full_name=f"Người chăm sóc {i}", phone="0912 000 000")
            case.child.circumstances.create(group="d")

    def export_all() -> None:
        for name, queries in EXPORT_QUERIES.items():
            with django_assert_num_queries(queries):
                response = client.get(reverse(f"cases:{name}_export"), {"format": "csv"})
                b"".join(response.streaming_content)
            with django_assert_num_queries(XLSX_REQUEST_QUERIES[name]):
                response = client.get(reverse(f"cases:{name}_export"), {"format": "xlsx"})
            assert response.status_code == 302
            job = ExportJob.objects.latest("id")
            with django_assert_num_queries(XLSX_TASK_QUERIES[name]):
                assert export_job_run(job.pk) == "done"

    client.force_login(officer_a)
    ContentType.objects.get_for_model(ExportJob)  # cached for the process: the first audit entry of a job looks it up
    add(5, 0)
    export_all()
    add(20, 5)
    export_all()
    assert AuditEntry.objects.filter(action="export.children").latest("id").changes["rows"] == 25
    assert ExportJob.objects.latest("id").rows_done == 25


# --- the list pages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["child", "report", "case"])
def test_each_list_offers_the_export_of_its_current_filters(client, supervisor, in_a, name):
    client.force_login(supervisor)
    params = {"child": {"sex": "male"}, "report": {"status": "received"}, "case": {"state": "received"}}[name]
    page = client.get(reverse(f"cases:{name}_list"), {**params, "page": "1"}).content.decode()

    assert f'action="{reverse(f"cases:{name}_export")}"' in page
    key, value = next(iter(params.items()))
    assert f'<input type="hidden" name="{key}" value="{value}">' in page
    assert 'type="hidden" name="page"' not in page
    assert 'name="format" value="xlsx"' in page and 'name="format" value="csv"' in page
    assert 'name="protected" value="0"' in page and "bỏ các trường được bảo vệ" in page
