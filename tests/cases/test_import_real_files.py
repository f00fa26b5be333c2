"""The registry as communes really have it: a title above the header, an STT column, the national software's
headers, names typed in TCVN3 or VNI (made here from Unicode by the inverse tables), officers importing their commune.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from cases.models import Child
from childprotect.core.imports import read_table
from childprotect.core.legacy_text import (
    TCVN3_ENCODE,
    convert,
    decode_tcvn3,
    decode_vni,
    encode_tcvn3,
    encode_vni,
    vietnamese_letters,
)
from childprotect.core.models import ImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

# The demo's names and real names with every tone, in Unicode: never changed.
UNICODE_NAMES = [
    "Nguyễn Văn An",
    "Lê Thị Hòa",
    "Lê Thị Hoà",
    "Trần Minh Khôi",
    "Trần Gia Bảo",
    "Phạm Thị Thuỷ",
    "Vũ Ngọc Ánh",
    "Đặng Quốc Huy",
    "Lò Thị Xuân",
    "Vàng A Sùng",
    "Lê Vân",
    "Võ Hà",
    "Hồ Thị Mỹ Duyên",
    "Bùi Thị Hằng",
    "Nguyễn Thị Hoà",
    "Lê Văn Thắng",
    "Giàng Seo Phủ",
    "Hờ A Sáng",
    "Ksor H'Bia",
    "Y Bhim Niê",
    "Đỗ Thị Ngọc Trâm",
    "Dương Quang Trưởng",
    "Huỳnh Thị Kiều Oanh",
    "Lý Thị Nguyệt",
    "Hà Thị Ánh Tuyết",
    "Tô Thị Hương Giang",
    "Cao Thị Út",
    "Võ Thị Ý",
    "Châu Ngọc Ẩn",
    "Mẫn Văn Dũng",
    "LÊ VÂN",
    "NGUYỄN THỊ Ý",
]


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_unicode_names_pass_unchanged(name):
    assert convert(name) == (name, "")


def test_the_tables_hold_the_134_letters():
    letters = vietnamese_letters()
    assert len(letters) == len(set(letters)) == 134
    assert len(set(TCVN3_ENCODE.values())) == 67 + 7  # capitals with a tone share the lower-case code


@pytest.mark.parametrize("letter", vietnamese_letters())
def test_every_letter_round_trips(letter):
    # In a word of its case: TCVN3 (.VnTimeH) tells a toned capital by the capitals around it.
    word = ("T" + letter + "N") if letter.isupper() else ("t" + letter + "n")
    assert decode_vni(encode_vni(word)) == word
    assert decode_tcvn3(encode_tcvn3(word)) == word
    assert decode_vni(encode_vni(letter)) == letter


@pytest.mark.parametrize("name", UNICODE_NAMES)
def test_names_typed_in_legacy_fonts_are_read_back(name):
    if name.isascii() or not any(c in TCVN3_ENCODE for c in name):
        return
    assert convert(encode_tcvn3(name)) == (name, "TCVN3")
    assert convert(encode_vni(name)) == (name, "VNI")


def test_hand_typed_samples():
    assert convert("NguyÔn V¨n An") == ("Nguyễn Văn An", "TCVN3")
    assert convert("Ph¹m ThÞ Thuû") == ("Phạm Thị Thuỷ", "TCVN3")
    assert convert("Nguyeãn Vaên An") == ("Nguyễn Văn An", "VNI")
    assert convert("Ñoã Thò Ngoïc Traâm") == ("Đỗ Thị Ngọc Trâm", "VNI")
    assert convert("Thöôøng truù") == ("Thường trú", "VNI")


HEADER = ["STT", "Họ và tên trẻ", "Ngày, tháng, năm sinh", "Giới tính", "Dân tộc", "Nơi thường trú", "Mã xã, phường"]
HEADER += ["Họ tên cha/mẹ/người chăm sóc", "Số định danh cá nhân", "Ghi chú khác"]


def _row(n: int, name: str, code: str = "14797", born: str = "05/03/2015") -> list[str]:
    return [str(n), name, born, "Nam", "Kinh", "Tổ 3", code, "Nguyễn Văn Bình", "", "x"]


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["UBND PHƯỜNG HẠC THÀNH", "", ""])
    writer.writerow(["DANH SÁCH TRẺ EM TRÊN ĐỊA BÀN", "", ""])
    writer.writerow([])
    writer.writerow(HEADER)
    writer.writerow([f"({i})" for i in range(1, len(HEADER) + 1)])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _xlsx(rows: list[list[str]], title: str = "DANH SÁCH TRẺ EM TRÊN ĐỊA BÀN") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["UBND PHƯỜNG HẠC THÀNH"])
    sheet.merge_cells("A1:J1")
    sheet.append([title])
    sheet.merge_cells("A2:J2")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_title_rows_stt_and_the_national_headers_are_read():
    from cases.imports import ChildImporter

    table = read_table(_xlsx([_row(1, "Nguyễn Văn An"), _row(2, "Lê Thị Hoa")]), "ds.xlsx", ChildImporter.columns)

    assert table.header_row == 3
    assert table.ignored == ["Ghi chú khác"]
    assert [r.number for r in table] == [4, 5]
    assert table[0].values["full_name"] == "Nguyễn Văn An"
    assert table[0].values["date_of_birth"] == "05/03/2015"
    assert table[0].values["address"] == "Tổ 3"
    assert table[0].values["carer_name"] == "Nguyễn Văn Bình"
    assert "STT" not in str(table[0].values)


def test_headers_match_whatever_their_accents_case_and_spaces():
    from cases.imports import ChildImporter

    header = ["  stt ", "HO VA TEN", "ngày  sinh (dd/mm/yyyy)", "Gioi Tinh", "Mã Xã"]
    content = ("\ufeff" + ",".join(header) + "\n1,Nguyễn Văn An,05/03/2015,Nam,14797\n").encode()

    table = read_table(content, "ds.csv", ChildImporter.columns)

    assert table[0].values == {
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "05/03/2015",
        "sex": "Nam",
        "unit_code": "14797",
    }


def test_a_real_shaped_csv_is_previewed_and_imported(import_upload, import_confirm, client, supervisor):
    job = import_upload(supervisor, _csv([_row(1, "Nguyễn Văn An"), _row(2, "Lê Thị Hoa")]))

    assert job.status == ImportStatus.CHECKED, job.plan
    assert (job.plan["rows"], job.plan["create"], job.plan["header_row"]) == (2, 2, 4)
    assert job.plan["ignored"] == ["Ghi chú khác"]
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Các cột không thuộc mẫu" in page and "Ghi chú khác" in page
    assert import_confirm(job).status == ImportStatus.DONE
    assert sorted(Child.objects.values_list("full_name", flat=True)) == ["Lê Thị Hoa", "Nguyễn Văn An"]


def test_a_tcvn3_csv_mixed_with_unicode_is_read_cell_by_cell(import_upload, import_confirm, client, supervisor):
    # Saved from Excel as "CSV (Comma delimited)": the Windows code page, the .VnTime glyph codes as bytes. A row
    # pasted from a Unicode file cannot be in the same bytes: its cells were typed in the same letters (ASCII).
    rows = [_row(1, "Nguyễn Văn An"), _row(2, "Phạm Thị Thuỷ"), _row(3, "Tran Van Binh")]
    rows[0][5] = "Tổ dân phố Đông Sơn"
    rows = [[encode_tcvn3(cell) for cell in row] for row in rows]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([encode_tcvn3(h) for h in HEADER])
    writer.writerows(rows)
    content = out.getvalue().encode("cp1252")

    job = import_upload(supervisor, content)

    assert job.status == ImportStatus.CHECKED, job.plan
    converted = [row[1:] for row in job.plan["converted"]]
    assert ["Họ và tên", "NguyÔn V¨n An", "Nguyễn Văn An"] in converted
    assert ["Địa chỉ", "Tæ d©n phè §«ng S¬n", "Tổ dân phố Đông Sơn"] in converted
    assert ["Người chăm sóc", "NguyÔn V¨n B×nh", "Nguyễn Văn Bình"] in converted
    assert ["Họ và tên", "Ph¹m ThÞ Thuû", "Phạm Thị Thuỷ"] in converted
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "NguyÔn V¨n An" in page and "Nguyễn Văn An" in page
    import_confirm(job)
    assert set(Child.objects.values_list("full_name", flat=True)) == {"Nguyễn Văn An", "Phạm Thị Thuỷ", "Tran Van Binh"}
    assert Child.objects.get(full_name="Nguyễn Văn An").address == "Tổ dân phố Đông Sơn"
    assert Child.objects.get(full_name="Phạm Thị Thuỷ").address == "Tổ 3"  # "Tæ 3": TCVN3 like the rest


def test_an_xlsx_mixing_tcvn3_vni_and_unicode_rows(import_upload, import_confirm, supervisor):
    rows = [
        _row(1, encode_tcvn3("Nguyễn Văn An")),
        _row(2, encode_vni("Đặng Quốc Huy")),
        _row(3, "Lê Thị Hòa"),
    ]
    job = import_upload(supervisor, _xlsx(rows, title=encode_tcvn3("DANH SÁCH TRẺ EM")), "ds.xlsx")

    assert job.status == ImportStatus.CHECKED, job.plan
    assert job.plan["converted_count"] == 2
    import_confirm(job)
    assert set(Child.objects.values_list("full_name", flat=True)) == {"Nguyễn Văn An", "Đặng Quốc Huy", "Lê Thị Hòa"}


def test_a_cell_both_legacy_readings_fit_takes_the_files_encoding_or_refuses_its_row(import_upload, supervisor):
    # "Tæ 3" is TCVN3 "Tổ 3" and VNI "Tỉ 3": in a TCVN3 file it is TCVN3; in a file with both, the row is refused.
    assert convert("Tæ 3") == ("Tæ 3", "ambiguous")
    assert convert("Tæ 3", prefer="TCVN3") == ("Tổ 3", "TCVN3")
    rows = [_row(1, encode_tcvn3("Nguyễn Văn An")), _row(2, encode_vni("Đặng Quốc Huy"))]
    rows[1][5] = "Tæ 3"

    job = import_upload(supervisor, _xlsx(rows), "ds.xlsx")

    assert job.status == ImportStatus.REFUSED
    assert job.plan["errors"] == [
        [
            5,
            "Không rõ cột “Địa chỉ” được gõ bằng bảng mã TCVN3 hay VNI: hãy chuyển sang Unicode (ví dụ bằng Unikey) "
            "rồi tải lên lại.",
        ]
    ]
    assert not Child.objects.exists()


def test_a_cp1258_csv_is_still_refused(import_upload, supervisor):
    job = import_upload(supervisor, "Ho va ten,Gioi tinh,Ma xa\nTràn Van An,Nam,14797\n".encode("cp1258"))

    assert job.status == ImportStatus.REFUSED
    assert "không ở bảng mã UTF-8" in job.plan["message"]
    assert not Child.objects.exists()


# --- commune staff ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_a", "chair_a"])
def test_commune_staff_import_their_own_commune(import_upload, import_confirm, cast, who, commune_a):
    job = import_upload(cast[who], _csv([_row(1, "Nguyễn Văn An"), _row(2, "Lê Thị Hoa")]))

    assert job.status == ImportStatus.CHECKED, job.plan
    assert import_confirm(job).status == ImportStatus.DONE
    assert set(Child.objects.values_list("residence_unit", flat=True)) == {commune_a.pk}


def test_commune_staff_may_leave_out_the_commune(import_upload, import_confirm, officer_a, commune_a):
    content = "\ufeffSTT,Họ tên,Ngày sinh,Giới tính\n1,Nguyễn Văn An,05/03/2015,Nam\n".encode()

    job = import_upload(officer_a, content)

    assert job.status == ImportStatus.CHECKED, job.plan
    import_confirm(job)
    assert Child.objects.get().residence_unit == commune_a


def test_another_communes_rows_are_refused_and_nothing_is_written(import_upload, officer_a):
    job = import_upload(officer_a, _csv([_row(1, "Nguyễn Văn An"), _row(2, "Lê Thị Hoa", code="14758")]))

    assert job.status == ImportStatus.REFUSED
    assert job.plan["errors"] == [
        [
            7,
            "Mã xã, phường “14758” không có trong danh mục 2026 thuộc địa bàn của bạn: cán bộ xã chỉ nhập trẻ em cư "
            "trú tại xã mình.",
        ]
    ]
    assert not Child.objects.exists()


def test_commune_staff_cannot_import_accounts_or_agencies(import_upload, client, officer_a):
    client.force_login(officer_a)
    response = client.post("/imports/", {"kind": "accounts"})

    assert response.status_code == 200  # the form again: "accounts" is no choice of theirs
    assert "accounts" not in [c[0] for c in response.context["form"].fields["kind"].choices]
