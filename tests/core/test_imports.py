"""Registries in: preview (a dry run), confirm, all rows or none; each bad file refused with a Vietnamese message.

Files are uploaded through the page as a browser does; Celery runs in-process (eager) and the tasks queued on commit
are run by django_capture_on_commit_callbacks.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import pytest
from django.urls import reverse
from openpyxl import Workbook

from cases.models import Carer, Child, ChildCircumstance
from childprotect.accounts.models import Role, User
from childprotect.agencies.models import Agency
from childprotect.audit.models import AuditEntry
from childprotect.core.imports import job_create
from childprotect.core.models import ImportStatus
from tests.factories import PASSWORD
from tests.support.builders import COLUMNS, child_row, csv_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]


def test_a_registry_is_previewed_then_imported_as_previewed(
    import_upload, import_confirm, client, supervisor, commune_a
):
    content = csv_file(
        [
            child_row("Nguyễn Văn An", **{"Nhóm hoàn cảnh đặc biệt": "a; d"}),
            child_row("Lê Thị Hoa", "01-02-2019", **{"Giới tính": "Nữ", "Mã định danh": "038219000123"}),
            child_row(
                "Trần Minh Khôi",
                "",
                **{"Năm sinh": "2016", "Giới tính": "Chưa rõ", "Người chăm sóc": "", "Điện thoại người chăm sóc": ""},
            ),
        ]
    )

    job = import_upload(supervisor, content)

    assert job.status == ImportStatus.CHECKED, job.plan["errors"]
    assert (job.plan["rows"], job.plan["create"], job.plan["update"], job.plan["skip"]) == (3, 3, 0, 0)
    assert not Child.objects.exists()  # the preview wrote nothing
    page = client.get(reverse("import_detail", args=[job.pk]))
    assert "Xác nhận nhập đúng như xem trước" in page.content.decode()

    job = import_confirm(job)

    assert job.status == ImportStatus.DONE
    assert Child.objects.count() == 3
    an = Child.objects.get(name_folded="nguyen van an")
    assert (an.date_of_birth, an.sex, an.residence_unit, an.created_by) == (
        dt.date(2015, 3, 5),
        "male",
        commune_a,
        supervisor,
    )
    assert sorted(ChildCircumstance.objects.filter(child=an).values_list("group", flat=True)) == ["a", "d"]
    assert Carer.objects.get(child=an).phone_digits == "0912345678"
    assert Child.objects.get(national_id="038219000123").date_of_birth == dt.date(2019, 2, 1)
    khoi = Child.objects.get(name_folded="tran minh khoi")
    assert (khoi.birth_year, khoi.birth_year_estimated, khoi.sex) == (2016, True, "unknown")
    assert AuditEntry.objects.filter(action="child.import", actor=supervisor).count() == 3
    assert AuditEntry.objects.filter(action="import.children", object_id=str(job.pk)).exists()
    assert not AuditEntry.objects.filter(action="child.import", object_repr__contains="Nguyễn").exists()


def test_a_second_import_updates_by_personal_id_and_skips_registered_children(
    import_upload, import_confirm, supervisor
):
    first = import_upload(
        supervisor, csv_file([child_row("Lê Thị Hoa", **{"Mã định danh": "038219000123"}), child_row("Nguyễn Văn An")])
    )
    import_confirm(first)

    again = import_upload(
        supervisor,
        csv_file(
            [
                child_row("Lê Thị Hoà", "02/02/2015", **{"Mã định danh": "038219000123"}),
                child_row("Nguyễn Văn An"),
                child_row("Phạm Văn Mới"),
            ]
        ),
    )

    assert (again.plan["create"], again.plan["update"], again.plan["skip"]) == (1, 1, 1)
    import_confirm(again)
    assert Child.objects.count() == 3
    hoa = Child.objects.get(national_id="038219000123")
    assert (hoa.full_name, hoa.date_of_birth, hoa.version) == ("Lê Thị Hoà", dt.date(2015, 2, 2), 2)


def test_one_bad_row_among_1000_imports_nothing_and_names_the_row(import_upload, supervisor):
    rows = [child_row(f"Trẻ em số {i}") for i in range(1000)]
    rows[499] = child_row("Trẻ em số 499", "31/02/2015")  # row 501 of the sheet (the header is row 1)

    job = import_upload(supervisor, csv_file(rows))

    assert job.status == ImportStatus.REFUSED
    assert job.plan["error_count"] == 1
    assert job.plan["errors"] == [[501, "Ngày “31/02/2015” không hợp lệ (ghi dd/mm/yyyy và là một ngày có thật)."]]
    assert "chưa nhập dòng nào" in job.plan["message"]
    assert not Child.objects.exists()


# --- bad files -----------------------------------------------------------------------------------------------------


def xlsx(rows: Sequence[Sequence[object]], header: list[str] = COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("trong.csv", b"", "Tệp rỗng"),
        ("trong.csv", "\ufeffHọ và tên,Giới tính\n".encode(), "chỉ có dòng tiêu đề"),
        ("anh.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "tệp nhị phân"),
        ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "không phải Excel .xlsx hợp lệ"),
        ("hong.xlsx", b"PK\x03\x04" + b"rac" * 50, "không phải Excel .xlsx hợp lệ"),
        # Saved by an old Vietnamese Windows program (Windows-1258: b"Tr\xe0n" is "Tràn"), not UTF-8.
        ("latin.csv", b"Ho va ten,Gioi tinh\nTr\xe0n Van An,Nam\n", "không ở bảng mã UTF-8"),
        ("utf16.csv", "Họ và tên,Giới tính\nNguyễn Văn An,Nam\n".encode("utf-16"), "UTF-16"),
        ("thieu.csv", "Họ và tên,Ngày sinh\nNguyễn Văn An,05/03/2015\n".encode(), "thiếu cột bắt buộc: “Giới tính”"),
    ],
    ids=[
        "empty",
        "header-only",
        "binary",
        "old-xls",
        "damaged-zip",
        "windows-1258",
        "utf-16",
        "missing-column",
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(
    import_upload, supervisor, name, content, message
):
    job = import_upload(supervisor, content, name)

    assert job.status == ImportStatus.REFUSED
    assert message in job.plan["message"]
    assert not Child.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (child_row("An", "30/02/2016"), "Ngày “30/02/2016” không hợp lệ"),
        (child_row("An", "05/03/2001"), "đã 25 tuổi"),
        (child_row("An", code="99999"), "mã xã, phường “99999” không có trong danh mục 2026 thuộc địa bàn của bạn"),
        (child_row("An", code="00004"), "mã xã, phường “00004” không có trong danh mục 2026"),  # Hà Nội: out of reach
        (child_row("An", **{"Giới tính": "X"}), "giới tính “X” không hợp lệ"),
        (child_row("An", **{"Mã định danh": "12345"}), "mã định danh phải gồm đúng 12 chữ số"),
        (child_row("An", **{"Dân tộc": "Không có"}), "dân tộc “Không có” không có trong danh mục"),
        (child_row("An", **{"Nhóm hoàn cảnh đặc biệt": "z"}), "nhóm hoàn cảnh đặc biệt"),
        (child_row('=HYPERLINK("http://x")'), "Ô chứa công thức"),
    ],
    ids=[
        "impossible-date",
        "too-old",
        "unknown-unit",
        "outside-jurisdiction",
        "sex",
        "id",
        "ethnicity",
        "group",
        "formula",
    ],
)
def test_each_bad_row_is_named_with_a_vietnamese_message(import_upload, supervisor, row, message):
    job = import_upload(supervisor, csv_file([child_row("Trẻ em tốt"), row]))

    assert job.status == ImportStatus.REFUSED
    assert job.plan["errors"][0][0] == 3
    assert message.lower() in job.plan["errors"][0][1].lower()
    assert not Child.objects.exists()


def test_dates_in_several_formats_and_date_cells_are_accepted(import_upload, import_confirm, supervisor):
    job = import_upload(
        supervisor,
        xlsx(
            [
                child_row("Trẻ A", "05/03/2015"),
                child_row("Trẻ B", "05-03-2015"),
                child_row("Trẻ C", "2015-03-05"),
                [*child_row("Trẻ D", "")[:1], dt.datetime(2015, 3, 5), *child_row("Trẻ D")[2:]],
            ]
        ),
        "so-theo-doi.xlsx",
    )

    assert job.status == ImportStatus.CHECKED, job.plan
    import_confirm(job)
    assert set(Child.objects.values_list("date_of_birth", flat=True)) == {dt.date(2015, 3, 5)}


def test_a_formula_cell_in_a_spreadsheet_is_refused(import_upload, supervisor):
    row = child_row("Trẻ A")
    row[5] = '=CONCATENATE("0382","19000123")'

    job = import_upload(supervisor, xlsx([child_row("Trẻ B"), row]), "cong-thuc.xlsx")

    assert job.status == ImportStatus.REFUSED
    assert job.plan["errors"] == [[3, "Ô chứa công thức (bắt đầu bằng “=”): hãy nhập giá trị, không nhập công thức."]]


def test_duplicate_rows_inside_the_file_are_errors(import_upload, supervisor):
    job = import_upload(
        supervisor, csv_file([child_row("Nguyễn Văn An"), child_row("Trẻ khác"), child_row("nguyen van an")])
    )

    assert job.status == ImportStatus.REFUSED
    assert job.plan["errors"] == [[4, "Trùng với dòng 2 (cùng họ tên, ngày hoặc năm sinh, xã phường)."]]


def test_a_file_over_the_size_limit_is_refused_unread(import_upload, supervisor, settings):
    settings.CHILDPROTECT_IMPORT_MAX_BYTES = 1024
    job = import_upload(supervisor, csv_file([child_row(f"Trẻ {i}") for i in range(40)]))

    assert job.status == ImportStatus.REFUSED
    assert job.plan["message"] == "Tệp quá lớn (tối đa 1 KB). Hãy chia thành nhiều tệp."
    assert not job.file


def test_a_50_mb_file_is_refused_with_the_limit_in_the_message(supervisor):
    job = job_create(actor=supervisor, kind="children", filename="lon.csv", content=None, size=50 * 1024 * 1024)

    assert job.status == ImportStatus.REFUSED
    assert job.plan["message"] == "Tệp quá lớn (tối đa 30 MB). Hãy chia thành nhiều tệp."


def test_what_changed_since_the_preview_stops_the_import(import_upload, import_confirm, supervisor, commune_a):
    job = import_upload(supervisor, csv_file([child_row("Nguyễn Văn An"), child_row("Lê Thị Hoa")]))
    Child.objects.create(
        full_name="Nguyễn Văn An",
        name_folded="nguyen van an",
        date_of_birth=dt.date(2015, 3, 5),
        birth_year=2015,
        sex="male",
        residence_unit=commune_a,
        created_by=supervisor,
    )

    job = import_confirm(job)

    assert job.status == ImportStatus.FAILED
    assert "Dữ liệu đã thay đổi kể từ lúc xem trước" in job.result["message"]
    assert Child.objects.count() == 1


# --- who may import ------------------------------------------------------------------------------------------------


def test_partners_have_no_imports(client, cast):
    client.force_login(cast["police"])

    assert client.get(reverse("imports")).status_code == 404
    assert client.get(reverse("import_template", args=["children", "xlsx"])).status_code == 404


@pytest.mark.parametrize("who", ["officer_a", "chair_a", "officer_b"])
def test_commune_staff_import_the_registry_alone(client, cast, who):
    client.force_login(cast[who])

    page = client.get(reverse("imports")).content.decode()
    assert "Sổ theo dõi trẻ em" in page and 'value="accounts"' not in page and 'value="agencies"' not in page
    assert client.get(reverse("import_template", args=["children", "xlsx"])).status_code == 200
    assert client.get(reverse("import_template", args=["accounts", "xlsx"])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("imports"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_only_the_uploader_confirms_and_sees_the_job(import_upload, client, supervisor, province):
    from tests.factories import UserFactory

    job = import_upload(supervisor, csv_file([child_row("Nguyễn Văn An")]))
    other = UserFactory(username="supervisor2", role=Role.SUPERVISOR, unit=province)
    client.force_login(other)

    assert client.get(reverse("import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("import_confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED


def test_the_template_lists_the_columns_in_vietnamese(client, supervisor):
    client.force_login(supervisor)

    response = client.get(reverse("import_template", args=["children", "csv"]))

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffHọ và tên *,")
    assert "Mã xã" in text


# --- agencies and accounts -----------------------------------------------------------------------------------------


def test_agencies_and_accounts_import_through_the_same_preview(import_upload, import_confirm, supervisor):
    agencies = (
        "\ufeffTên cơ quan,Loại,Địa bàn phục vụ,Điện thoại\n"
        "Công an phường Hạc Thành,Công an,2026:14797,0237 385 2113\n"
        "Trường THCS Hạc Thành,Giáo dục,2026:14797,\n"
    )
    job = import_confirm(import_upload(supervisor, agencies.encode(), "co-quan.csv", "agencies"))
    assert job.status == ImportStatus.DONE
    assert Agency.objects.filter(unit__code="14797").count() == 2

    accounts = (
        "\ufeffTên đăng nhập,Họ và tên,Vai trò,Đơn vị,Cơ quan,Mật khẩu\n"
        f"canbo_ht,Nguyễn Thị Mai,Cán bộ xã,2026:14797,,{PASSWORD}\n"
        f"congan_ht,Trần Văn Hùng,Cơ quan phối hợp,,Công an phường Hạc Thành,{PASSWORD}\n"
        f"giamsat2,Lê Văn Tỉnh,Giám sát,2026:38,,{PASSWORD}\n"
    )
    refused = import_upload(supervisor, accounts.encode(), "tai-khoan.csv", "accounts")
    assert refused.status == ImportStatus.REFUSED
    assert refused.plan["errors"][0][0] == 4 and "chỉ nhập được tài khoản cán bộ xã" in refused.plan["errors"][0][1]
    fixed = accounts.rsplit("giamsat2", 1)[0]
    job = import_confirm(import_upload(supervisor, fixed.encode(), "tai-khoan.csv", "accounts"))
    assert job.status == ImportStatus.DONE
    assert User.objects.filter(username="congan_ht", agency__name="Công an phường Hạc Thành").exists()
    assert User.objects.get(username="canbo_ht").check_password(PASSWORD)
