"""Starting vocabularies (docs/law.md#vocabularies); administrators extend them in Django admin."""

from __future__ import annotations

from django.db import migrations

CHANNELS = [
    ("hotline_111", "Tổng đài 111"),
    ("in_person", "Trực tiếp tại UBND xã"),
    ("phone", "Điện thoại"),
    ("letter", "Văn bản, đơn thư"),
    ("police", "Công an chuyển đến"),
    ("school", "Nhà trường"),
    ("health", "Cơ sở y tế"),
    ("community", "Người dân, cộng đồng"),
    ("child_self", "Trẻ em tự báo"),
    ("media", "Mạng xã hội, báo chí"),
    ("other", "Khác"),
]
RELATIONS = [
    ("parent", "Cha/mẹ đẻ"),
    ("step_parent", "Cha/mẹ kế, nuôi"),
    ("grandparent", "Ông/bà"),
    ("sibling", "Anh/chị/em"),
    ("relative", "Họ hàng khác"),
    ("carer", "Người chăm sóc"),
    ("school_staff", "Giáo viên, nhân viên nhà trường"),
    ("peer", "Bạn cùng trang lứa"),
    ("neighbour", "Hàng xóm, người quen"),
    ("stranger", "Người lạ"),
    ("online", "Người quen qua mạng"),
    ("unknown", "Không rõ"),
]
# The 54 ethnic groups in the GSO order and codes (Quyết định 121-TCTK/PPCĐ), then foreign and unknown.
ETHNICITIES = [
    "Kinh",
    "Tày",
    "Thái",
    "Hoa",
    "Khơ-me",
    "Mường",
    "Nùng",
    "HMông",
    "Dao",
    "Gia-rai",
    "Ngái",
    "Ê-đê",
    "Ba-na",
    "Xơ-đăng",
    "Sán Chay",
    "Cơ-ho",
    "Chăm",
    "Sán Dìu",
    "Hrê",
    "Mnông",
    "Ra-glai",
    "Xtiêng",
    "Bru-Vân Kiều",
    "Thổ",
    "Giáy",
    "Cơ-tu",
    "Gié-Triêng",
    "Mạ",
    "Khơ-mú",
    "Co",
    "Tà-ôi",
    "Chơ-ro",
    "Kháng",
    "Xinh-mun",
    "Hà Nhì",
    "Chu-ru",
    "Lào",
    "La Chí",
    "La Ha",
    "Phù Lá",
    "La Hủ",
    "Lự",
    "Lô Lô",
    "Chứt",
    "Mảng",
    "Pà Thẻn",
    "Cơ Lao",
    "Cống",
    "Bố Y",
    "Si La",
    "Pu Péo",
    "Brâu",
    "Ơ Đu",
    "Rơ-măm",
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Term = apps.get_model("cases", "Term")
    rows = [("channel", code, label) for code, label in CHANNELS]
    rows += [("relation", code, label) for code, label in RELATIONS]
    rows += [("ethnicity", f"{i:02d}", label) for i, label in enumerate(ETHNICITIES, start=1)]
    rows += [("ethnicity", "foreign", "Người nước ngoài"), ("ethnicity", "unknown", "Không rõ")]
    for order, (kind, code, label) in enumerate(rows):
        Term.objects.get_or_create(kind=kind, code=code, defaults={"label": label, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_children_reports")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
