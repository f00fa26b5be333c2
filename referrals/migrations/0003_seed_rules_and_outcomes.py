"""National defaults for referral response times and the outcome lists per agency type.

Provinces issue their own coordination rules (quy chế phối hợp liên ngành): administrators add a province's rows in
the admin, which then take precedence over these defaults. Outcomes follow criminal and administrative procedure
(police: khởi tố / xử phạt hành chính / không xử lý) and the health sector's services (khám, điều trị, giám định).
"""

from __future__ import annotations

from django.db import migrations

# agency type: (urgent: hours, normal: working days)
RULES = {
    "police": (24, 3),
    "health": (24, 3),
    "education": (24, 5),
    "justice": (24, 5),
    "social_work": (24, 3),
    "court": (24, 10),
    "procuracy": (24, 10),
    "mass_org": (24, 5),
    "other": (24, 5),
}

# agency type: [(code, label, needs a reference number)]
OUTCOMES = {
    "police": [
        ("prosecuted", "Khởi tố vụ án hình sự", True),
        ("administrative_fine", "Xử phạt vi phạm hành chính", True),
        ("not_handled", "Không xử lý (không có dấu hiệu vi phạm)", False),
        ("transferred", "Chuyển cơ quan có thẩm quyền khác", True),
        ("investigating", "Đang điều tra, xác minh (đã kết thúc phần việc được đề nghị)", False),
    ],
    "health": [
        ("examination", "Khám sức khỏe, đánh giá tổn thương", False),
        ("treatment", "Điều trị, chăm sóc y tế", False),
        ("forensic", "Giám định pháp y", True),
        ("psychological", "Tư vấn, trị liệu tâm lý", False),
        ("transferred", "Chuyển tuyến điều trị", False),
    ],
    "education": [
        ("school_support", "Hỗ trợ học tập, bố trí trường lớp", False),
        ("school_counselling", "Tư vấn tâm lý học đường", False),
        ("school_safety", "Bảo đảm an toàn tại trường", False),
    ],
    "justice": [
        ("legal_aid", "Trợ giúp pháp lý (cử người bào chữa, đại diện)", True),
        ("legal_advice", "Tư vấn pháp luật", False),
        ("civil_status", "Giải quyết hộ tịch, giấy tờ tùy thân", False),
    ],
    "social_work": [
        ("shelter", "Tiếp nhận, chăm sóc tạm thời tại cơ sở", False),
        ("case_management", "Quản lý trường hợp, tư vấn tâm lý", False),
        ("emergency_support", "Hỗ trợ khẩn cấp (lương thực, vật dụng, đi lại)", False),
        ("alternative_care", "Bố trí chăm sóc thay thế", False),
    ],
    "court": [
        ("judgment", "Đã xét xử", True),
        ("child_friendly_hearing", "Xét xử theo thủ tục thân thiện với trẻ em", True),
        ("other_decision", "Quyết định khác của Tòa án", True),
    ],
    "procuracy": [
        ("indicted", "Truy tố", True),
        ("approved_measure", "Phê chuẩn biện pháp ngăn chặn", True),
        ("not_indicted", "Đình chỉ, không truy tố", True),
    ],
    "mass_org": [
        ("support", "Hỗ trợ, thăm hỏi, kết nối nguồn lực", False),
        ("counselling", "Tư vấn cho gia đình", False),
    ],
    "other": [("support", "Đã hỗ trợ theo đề nghị", False)],
}
COMMON = [("unable", "Không thực hiện được (ghi rõ lý do)", False)]


def seed(apps, schema_editor):
    ResponseRule = apps.get_model("referrals", "ResponseRule")
    OutcomeOption = apps.get_model("referrals", "OutcomeOption")
    for agency_type, (hours, days) in RULES.items():
        ResponseRule.objects.get_or_create(
            agency_type=agency_type,
            province=None,
            defaults={"urgent_hours": hours, "normal_working_days": days},
        )
    for agency_type, rows in OUTCOMES.items():
        for order, (code, label, needs_reference) in enumerate(rows + COMMON, start=1):
            OutcomeOption.objects.get_or_create(
                agency_type=agency_type,
                code=code,
                defaults={"label": label, "needs_reference": needs_reference, "sort_order": order},
            )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_referrals")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
