"""Administrators keep the agencies (also from a CSV or XLSX file, through the admin's import and export), the
response deadlines of referrals and the outcome lists, in Django admin; every write is audited."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import capfirst
from openpyxl import Workbook, load_workbook

from childprotect.agencies.models import Agency, AgencyType
from childprotect.agencies.resources import AgencyResource
from childprotect.audit.models import AuditEntry
from childprotect.core.models import ImportJob, ImportStatus
from referrals.models import OutcomeOption, ResponseRule
from tests.factories import AgencyFactory, UserFactory, unit
from tests.support.places import COMMUNE_A, COMMUNE_B, OTHER_PROVINCE_COMMUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

CSV, XLSX = "0", "1"  # the admin's format choices, in the order of AgencyAdmin.formats
HEADER = "name,agency_type,unit,address,phone,email,is_active\n"
HAM_RONG_POLICE = (
    "Công an phường Hàm Rồng,police,2026:14758,Số 1 đường Nguyễn Trãi,0237 3852 111,ca.hamrong@example.vn,1\n"
)
HAC_THANH_HEALTH = "Trạm Y tế phường Hạc Thành,Y tế,2026:14797,,0237 3852 222,,\n"  # the type by its label
GOOD = HEADER + HAM_RONG_POLICE + HAC_THANH_HEALTH


class _HiddenInputs(HTMLParser):
    """The hidden fields of the confirm form, as the browser would send them back."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self._in_form = "process_import" in (found.get("action") or "")
        elif tag == "input" and self._in_form and found.get("type") == "hidden" and found.get("name"):
            self.values[found["name"] or ""] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def upload(client, content: str | bytes, *, name: str = "co-quan.csv", file_format: str = CSV):
    """Step 1 as the administrator does it: choose the file and its format; the admin shows a preview."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        reverse("admin:agencies_agency_import"),
        {"import_file": SimpleUploadedFile(name, data), "format": file_format, "resource": "0"},
    )


def confirm(client, preview):
    """Step 2: press “Confirm import” on the preview page."""
    parser = _HiddenInputs()
    parser.feed(preview.content.decode())
    assert "import_file_name" in parser.values, "the preview has no confirm form"
    return client.post(reverse("admin:agencies_agency_process_import"), parser.values, follow=True)


def import_file(client, content: str | bytes, **kwargs):
    preview = upload(client, content, **kwargs)
    assert preview.status_code == 200
    return confirm(client, preview)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


# --- import ---------------------------------------------------------------------------------------------------------


def test_import_in_two_steps_creates_the_agencies_each_with_its_audit_entry(admin_client, administrator):
    preview = upload(admin_client, GOOD)
    assert preview.status_code == 200
    assert Agency.objects.count() == 0  # the preview is a dry run: nothing kept yet
    assert not AuditEntry.objects.filter(action__startswith="agency.").exists()

    done = confirm(admin_client, preview)

    assert done.redirect_chain[-1][0] == reverse("admin:agencies_agency_changelist")
    assert "Đã nhập xong: 2 cơ quan mới, 0 cơ quan cập nhật, 0 cơ quan không đổi." in page_messages(done)
    police = Agency.objects.get(name="Công an phường Hàm Rồng")
    assert (police.agency_type, police.unit.key, police.phone) == (AgencyType.POLICE, COMMUNE_B, "0237 3852 111")
    assert (police.address, police.email, police.is_active) == ("Số 1 đường Nguyễn Trãi", "ca.hamrong@example.vn", True)
    assert police.name_folded == "cong an phuong ham rong"
    health = Agency.objects.get(name="Trạm Y tế phường Hạc Thành")
    assert (health.agency_type, health.unit.key, health.is_active) == (AgencyType.HEALTH, COMMUNE_A, True)
    entries = AuditEntry.objects.filter(action="agency.create").order_by("object_id")
    assert [e.object_id for e in entries] == sorted([str(police.pk), str(health.pk)])
    assert all(e.actor == administrator for e in entries)
    assert entries.get(object_id=str(police.pk)).changes["phone"] == [None, "0237 3852 111"]


def test_importing_the_same_file_again_changes_nothing_and_records_nothing(admin_client):
    import_file(admin_client, GOOD)
    before = list(Agency.objects.order_by("pk").values())
    entries = AuditEntry.objects.count()

    done = import_file(admin_client, GOOD)

    assert "Đã nhập xong: 0 cơ quan mới, 0 cơ quan cập nhật, 2 cơ quan không đổi." in page_messages(done)
    assert list(Agency.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.count() == entries


def test_a_changed_row_updates_its_agency_with_the_diff(admin_client, administrator):
    import_file(admin_client, GOOD)
    police = Agency.objects.get(name="Công an phường Hàm Rồng")

    done = import_file(admin_client, GOOD.replace("0237 3852 111,ca.hamrong@example.vn,1", "0237 3999 999,,0"))

    assert "Đã nhập xong: 0 cơ quan mới, 1 cơ quan cập nhật, 1 cơ quan không đổi." in page_messages(done)
    police.refresh_from_db()
    assert (police.phone, police.email, police.is_active) == ("0237 3999 999", "", False)
    entry = AuditEntry.objects.get(action="agency.update")
    assert entry.actor == administrator and entry.object_id == str(police.pk)
    assert entry.changes == {
        "email": ["ca.hamrong@example.vn", ""],
        "is_active": [True, False],
        "phone": ["0237 3852 111", "0237 3999 999"],
    }


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            "Đồn Biên phòng Sầm Sơn,border_guard,2026:14797,,,,1\n",
            "Dòng 4: loại cơ quan “border_guard” không có trong danh mục",
        ),
        ("Công an phường X,police,2026:99999,,,,1\n", "Dòng 4: Không có đơn vị mã 99999 trong danh mục 2026."),
        ("Công an phường Y,police,14797,,,,1\n", "Dòng 4: Đơn vị &#x27;14797&#x27; phải viết dạng DANHMỤC:MÃ"),
        ("Công an phường Z,police,2026:14797,,,ca@@example,1\n", "Dòng 4: thư điện tử “ca@@example” không hợp lệ."),
        (",police,2026:14797,,,,1\n", "Dòng 4: thiếu tên cơ quan."),
        ("Công an phường W,police,2026:14797,,,,có lẽ\n", "Dòng 4: cột đang hoạt động ghi “có lẽ”"),
        (HAM_RONG_POLICE, "Dòng 4: cơ quan “Công an phường Hàm Rồng” ở địa bàn 2026:14758 đã có ở dòng 2."),
    ],
)
def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(admin_client, bad_row, message):
    preview = upload(admin_client, GOOD + bad_row)

    assert preview.status_code == 200
    content = preview.content.decode()
    assert message in content  # in the summary above the page and in the table of rows
    assert "Chưa nhập cơ quan nào: tệp có 1 lỗi" in content
    assert "process_import" not in content  # no confirm button
    assert [row.number for row in preview.context["result"].invalid_rows] == [4]  # the table's row: the file line
    assert Agency.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="agency.").exists()


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            "Đồn Biên phòng Sầm Sơn,border_guard,2026:14797,,,,1\n",
            "loại cơ quan “border_guard” không có trong danh mục; ghi mã hoặc tên loại: police (Công an), ",
        ),
        ("Công an phường X,police,2026:99999,,,,1\n", "Không có đơn vị mã 99999 trong danh mục 2026."),
        ("Công an phường Y,police,14797,,,,1\n", "Đơn vị '14797' phải viết dạng DANHMỤC:MÃ, ví dụ 2026:14797."),
        ("Công an phường Z,police,2026:14797,,,ca@@example,1\n", "thư điện tử “ca@@example” không hợp lệ."),
        (",police,2026:14797,,,,1\n", "thiếu tên cơ quan."),
        ("Công an phường W,police,,,,,1\n", "thiếu địa bàn phục vụ (ghi DANHMỤC:MÃ, ví dụ 2026:14797)."),
        ("Công an phường W,police,2026:14797,,,,có lẽ\n", "cột đang hoạt động ghi “có lẽ”; ghi 1 (có) hoặc 0 (không)."),
        ("Công an phường V,police,2026:14797,,0" + "9" * 40 + ",,1\n", "điện thoại dài quá 30 ký tự."),
        (HAM_RONG_POLICE, "cơ quan “Công an phường Hàm Rồng” ở địa bàn 2026:14758 đã có ở dòng 2."),
    ],
)
def test_the_same_bad_row_gets_the_same_message_from_the_admin_and_from_imports(
    admin_client, administrator, django_capture_on_commit_callbacks, bad_row, message
):
    """One definition of the columns and their messages (childprotect/agencies/columns.py) for both ways in: the admin
    says "Dòng 4: " and the message, /imports/ shows the line in its own column and the message from a capital."""
    content = GOOD + bad_row

    admin_page = upload(admin_client, content).content.decode()

    assert escape(f"Dòng 4: {message}") in admin_page
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("imports"), {"kind": "agencies", "file": SimpleUploadedFile("co-quan.csv", content.encode())}
        )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REFUSED
    [(line, text)] = job.plan["errors"]
    assert line == 4 and text.startswith(capfirst(message))
    assert Agency.objects.count() == 0


def test_a_file_without_a_required_column_is_refused_in_vietnamese_without_a_traceback(admin_client):
    preview = upload(admin_client, "name,unit\nCông an phường Hàm Rồng,2026:14758\n")

    content = preview.content.decode()
    assert "Tệp thiếu cột agency_type (loại)." in content
    assert "Traceback" not in content
    assert "process_import" not in content
    assert Agency.objects.count() == 0


def test_an_xlsx_file_with_vietnamese_headers_imports_too(admin_client):
    book = Workbook()
    sheet = book.active
    sheet.append(["Tên cơ quan", "Loại", "Địa bàn phục vụ", "Điện thoại", "Đang hoạt động"])
    sheet.append(["Công an phường Hàm Rồng", "Công an", "2026:14758", 2373852111, True])
    sheet.append([None, None, None, None, None])  # a blank line in the middle is ignored
    sheet.append(["Trạm Y tế phường Hạc Thành", "y te", "2026:14797", None, "không"])
    stream = io.BytesIO()
    book.save(stream)

    done = import_file(admin_client, stream.getvalue(), name="co-quan.xlsx", file_format=XLSX)

    assert "Đã nhập xong: 2 cơ quan mới, 0 cơ quan cập nhật, 0 cơ quan không đổi." in page_messages(done)
    police = Agency.objects.get(name="Công an phường Hàm Rồng")
    assert (police.agency_type, police.phone, police.is_active) == (AgencyType.POLICE, "2373852111", True)
    health = Agency.objects.get(name="Trạm Y tế phường Hạc Thành")
    assert (health.agency_type, health.is_active) == (AgencyType.HEALTH, False)
    assert AuditEntry.objects.filter(action="agency.create").count() == 2


# --- the resource on its own (e.g. from a shell or a command) -------------------------------------------------------


def test_the_resource_rolls_the_whole_file_back_on_a_bad_row_even_outside_the_admin(administrator):
    dataset = tablib.Dataset().load(GOOD + "Công an phường X,police,2026:99999,,,,1\n", format="csv")

    result = AgencyResource().import_data(dataset, dry_run=False, user=administrator)

    assert result.has_validation_errors()
    assert Agency.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="agency.").exists()


def test_the_resource_writes_through_agency_ensure_with_the_system_as_actor_when_no_user_is_given(db):
    dataset = tablib.Dataset().load(GOOD, format="csv")

    result = AgencyResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert Agency.objects.count() == 2
    assert set(AuditEntry.objects.filter(action="agency.create").values_list("actor", flat=True)) == {None}


# --- export ---------------------------------------------------------------------------------------------------------


def export_fields() -> dict[str, str]:
    return {f"agencyresource_{key}": "on" for key in AgencyResource.Meta.fields}


def test_csv_export_writes_the_unit_key_and_the_type_code_and_imports_back_unchanged(admin_client, police_agency):
    police_agency.phone = "0237 3852 123"
    police_agency.save()

    response = admin_client.post(reverse("admin:agencies_agency_export"), {"format": CSV, **export_fields()})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "name,agency_type,unit,address,phone,email,is_active"
    assert lines[1] == "Công an phường Hạc Thành,police,2026:14797,,0237 3852 123,,1"

    entries = AuditEntry.objects.count()
    done = import_file(admin_client, response.content)
    assert "Đã nhập xong: 0 cơ quan mới, 0 cơ quan cập nhật, 1 cơ quan không đổi." in page_messages(done)
    assert AuditEntry.objects.count() == entries


def test_xlsx_export_writes_the_unit_key(admin_client, police_agency):
    response = admin_client.post(reverse("admin:agencies_agency_export"), {"format": XLSX, **export_fields()})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["name", "agency_type", "unit"]
    assert rows[1][:3] == ["Công an phường Hạc Thành", "police", "2026:14797"]


# --- who reaches it -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["import", "export", "changelist"])
def test_a_commune_officer_is_sent_to_the_admin_login(client, officer_a, url_name):
    client.force_login(officer_a)
    url = reverse(f"admin:agencies_agency_{url_name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    post = client.post(reverse("admin:agencies_agency_import"), {"import_file": SimpleUploadedFile("a.csv", b"x")})
    assert post.status_code == 302 and Agency.objects.count() == 0


def test_staff_without_the_agency_permissions_may_not_import_or_export(client, commune_a):
    staff = UserFactory(username="staff_only", is_staff=True, unit=commune_a)
    client.force_login(staff)
    assert client.get(reverse("admin:agencies_agency_import")).status_code == 403
    assert client.get(reverse("admin:agencies_agency_export")).status_code == 403


# --- the agency list ------------------------------------------------------------------------------------------------


def test_the_agency_list_counts_partner_accounts_and_searches_without_accents(admin_client, police, commune_b):
    AgencyFactory(name="Công an phường Hàm Rồng", unit=commune_b)
    response = admin_client.get(reverse("admin:agencies_agency_changelist"), {"q": "cong an HAC thanh"})

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [a.name for a in shown] == ["Công an phường Hạc Thành"]
    assert shown[0].partner_count == 1
    content = response.content.decode()
    assert reverse("admin:agencies_agency_import") in content
    assert reverse("admin:agencies_agency_export") in content


def test_the_agency_list_filters_by_province(admin_client, police_agency, province):
    AgencyFactory(name="Công an phường Ba Đình", unit=unit(OTHER_PROVINCE_COMMUNE))
    response = admin_client.get(reverse("admin:agencies_agency_changelist"), {"province": str(province.pk)})
    assert [a.name for a in response.context["cl"].result_list] == ["Công an phường Hạc Thành"]


# --- response rules and outcome lists -------------------------------------------------------------------------------


def rule_data(**overrides) -> dict[str, str]:
    data = {"agency_type": AgencyType.POLICE, "province": "", "urgent_hours": "12", "normal_working_days": "2"}
    data.update(overrides)
    return data


def test_a_response_rule_for_a_commune_is_refused_in_vietnamese(admin_client, commune_a):
    response = admin_client.post(reverse("admin:referrals_responserule_add"), rule_data(province=str(commune_a.pk)))

    assert response.status_code == 200
    assert "Phường Hạc Thành (2026:14797) là đơn vị cấp xã" in response.content.decode()
    assert "không phải tỉnh, thành phố" in response.content.decode()
    assert not ResponseRule.objects.filter(province__isnull=False).exists()  # only the seeded national defaults


def test_a_response_rule_for_a_province_is_saved_and_audited(admin_client, administrator, province):
    response = admin_client.post(reverse("admin:referrals_responserule_add"), rule_data(province=str(province.pk)))

    assert response.status_code == 302, response.content.decode()[:3000]
    rule = ResponseRule.objects.get(province__isnull=False)
    assert (rule.province, rule.urgent_hours, rule.normal_working_days) == (province, 12, 2)
    entry = AuditEntry.objects.get(action="admin.responserule.create")
    assert entry.actor == administrator and entry.changes["province"] == [None, province.pk]


def test_a_second_national_default_for_a_type_is_refused_in_vietnamese(admin_client):
    rules = ResponseRule.objects.count()  # the migrations seed one national default per type

    response = admin_client.post(reverse("admin:referrals_responserule_add"), rule_data(urgent_hours="0"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Đã có thời hạn phản hồi cho Công an (mặc định toàn quốc)" in content
    assert "Thời hạn khẩn cấp phải từ 1 giờ trở lên." in content
    assert ResponseRule.objects.count() == rules


def test_outcome_options_are_reordered_and_retired_from_the_list_and_audited(admin_client, administrator):
    # Two of the outcomes the migrations seed.
    first = OutcomeOption.objects.get(agency_type=AgencyType.POLICE, code="prosecuted")
    second = OutcomeOption.objects.get(agency_type=AgencyType.HEALTH, code="examination")
    url = reverse("admin:referrals_outcomeoption_changelist")

    listed = admin_client.get(url, {"agency_type__exact": AgencyType.POLICE})
    police_options = list(listed.context["cl"].result_list)
    assert first in police_options and {o.agency_type for o in police_options} == {AgencyType.POLICE}

    response = admin_client.post(
        url,
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-id": str(first.pk),
            "form-0-sort_order": "9",
            "form-0-is_active": "on",
            "form-1-id": str(second.pk),
            "form-1-sort_order": str(second.sort_order),
            # form-1-is_active unticked: retired
            "_save": "Lưu",
        },
    )

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.sort_order, first.is_active, second.is_active) == (9, True, False)
    entries = AuditEntry.objects.filter(action="admin.outcomeoption.update", actor=administrator)
    assert {e.object_id: e.changes for e in entries} == {
        str(first.pk): {"sort_order": [1, 9]},
        str(second.pk): {"is_active": [True, False]},
    }
