"""Every refused report (docs/api.md#intake): a 400 (413 for a body over the limit) with the Vietnamese message and
the JSON pointer of the field, and nothing written: no report, child, case, notification, event, idempotency record
or audit entry of a write (the call's own entry, api.call, is the only one)."""

from __future__ import annotations

from typing import Any

import pytest

from childprotect.audit.models import AuditEntry
from tests.support.intake import REPORTS, child_body, incident, report_body, written

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

OVER_16 = (
    "Nguyễn Văn Lớn đã 16 tuổi vào ngày 19/11/2026, ngày xảy ra sự việc: "
    "Luật Trẻ em chỉ áp dụng cho người dưới 16 tuổi."
)

# (what is wrong, the body, [(pointer, message)])
REFUSALS: list[tuple[str, Any, list[tuple[str, str]]]] = [
    (
        "children: a string for a list",
        report_body(children="Nguyễn Văn An"),
        [("/children", "Phải là một danh sách (mảng JSON).")],
    ),
    ("forms: a string for a list", report_body(forms="violence"), [("/forms", "Phải là một danh sách (mảng JSON).")]),
    (
        "a number for a date",
        report_body(children=[child_body(date_of_birth=20150305)]),
        [("/children/0/date_of_birth", "Ngày phải viết dạng YYYY-MM-DD (ISO 8601), ví dụ 2015-03-05.")],
    ),
    (
        "a number for a name",
        report_body(children=[child_body(full_name=42)]),
        [("/children/0/full_name", "Phải là một chuỗi ký tự.")],
    ),
    (
        "received_at: not a time",
        report_body(received_at="20/11/2026 08:30"),
        [("/received_at", "Thời điểm phải viết dạng ISO 8601, ví dụ 2026-11-20T08:30:00+07:00.")],
    ),
    ("incident: a list for an object", report_body(incident=["14797"]), [("/incident", "Phải là một đối tượng JSON.")]),
    (
        "a flag that is not true or false",
        report_body(incident=incident(injury="có")),
        [("/incident/injury", "Phải là true hoặc false.")],
    ),
    (
        "missing: received_at",
        {k: v for k, v in report_body().items() if k != "received_at"},
        [("/received_at", "Thiếu trường này.")],
    ),
    (
        "missing: the description, the child's sex",
        report_body(
            incident={k: v for k, v in incident().items() if k != "description"}, children=[child_body(sex=None)]
        ),
        [("/incident/description", "Thiếu trường này."), ("/children/0/sex", "Trường này không được là null.")],
    ),
    (
        "neither a birth date nor a year",
        report_body(children=[child_body(date_of_birth=None)]),
        [("/children/0/birth_year", "Cần ngày sinh hoặc năm sinh (ước tính).")],
    ),
    (
        "the second child is 16",
        report_body(children=[child_body(), child_body("Nguyễn Văn Lớn", date_of_birth="2010-01-01")]),
        [("/children/1/date_of_birth", OVER_16)],
    ),
    (
        "a child born in the future",
        report_body(children=[child_body(date_of_birth="2027-01-01")]),
        [("/children/0/date_of_birth", "Ngày sinh không thể ở tương lai.")],
    ),
    (
        "received in the future",
        report_body(received_at="2026-11-20T10:00:00+07:00"),
        [("/received_at", "Thời điểm tiếp nhận không thể ở tương lai.")],
    ),
    (
        "an unknown province",
        report_body(incident=incident(commune="Xã Minh Sơn", province="Tỉnh Không Có")),
        [("/incident/province", "Không có tỉnh, thành phố “Tỉnh Không Có” trong danh mục hiện hành.")],
    ),
    (
        "an unknown channel",
        report_body(channel="fax"),
        [
            (
                "/channel",
                "Mã “fax” không có trong danh mục; dùng một trong: hotline_111, in_person, phone, letter, "
                "police, school, health, community, child_self, media, other.",
            )
        ],
    ),
    (
        "an unknown form of abuse",
        report_body(forms=["violence", "bullying"]),
        [
            (
                "/forms/1",
                "Mã “bullying” không có; dùng một trong: violence, exploitation, exploitation_labour, sexual_abuse, "
                "trafficking, abandonment, neglect, other, sexual_rape, sexual_coercion, sexual_intercourse, "
                "sexual_molestation, sexual_prostitution.",
            )
        ],
    ),
    ("no form of abuse", report_body(forms=[]), [("/forms", "Chọn ít nhất một hình thức xâm hại.")]),
    (
        "an unknown report type",
        report_body(report_type="khac"),
        [("/report_type", "Mã “khac” không có; dùng một trong: thong_tin, thong_bao, to_giac.")],
    ),
    (
        "a misspelt field",
        report_body(children=[child_body(date_of_brith="2015-03-05")]),
        [("/children/0/date_of_brith", "Trường này không có trong mẫu.")],
    ),
    (
        "a reporter's name without saying they are not anonymous",
        report_body(reporter={"name": "Trần Văn Bình"}),
        [
            (
                "/reporter/anonymous",
                "Người báo tin được giữ kín danh tính (anonymous mặc định là true): muốn ghi họ "
                'tên, điện thoại, địa chỉ thì gửi kèm "anonymous": false.',
            )
        ],
    ),
    (
        "not anonymous but no name nor telephone",
        report_body(reporter={"anonymous": False}),
        [("/reporter/name", "Ghi họ tên hoặc điện thoại người báo tin, hoặc đánh dấu giấu tên.")],
    ),
    (
        "an incident after the time received",
        report_body(incident=incident(date="2026-11-21")),
        [("/incident/date", "Ngày xảy ra không thể sau thời điểm tiếp nhận.")],
    ),
    ("a list for the body", [report_body()], [("", "Phải là một đối tượng JSON.")]),
]


@pytest.mark.parametrize(("body", "errors"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_refused_report_says_where_and_writes_nothing(hotline, officer_a, chair_a, body, errors):
    before = written()

    response = hotline.call("post", REPORTS, body)

    assert response.status_code == 400, response.json()
    assert [(e["pointer"], e["message"]) for e in response.json()["errors"]] == errors
    assert response.json()["detail"] == (
        errors[0][1] if len(errors) == 1 else "Dữ liệu gửi lên không hợp lệ; xem danh sách lỗi."
    )
    assert written() == before


def test_invalid_json_is_refused_where_it_broke(hotline):
    before = written()

    response = hotline.http().post(REPORTS, '{"channel": "phone",}', content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Nội dung gửi lên không phải JSON hợp lệ (dòng 1, cột 21).", "errors": []}
    assert written() == before


def test_a_body_over_the_limit_is_refused_before_it_is_read(hotline, settings):
    settings.CHILDPROTECT_API_MAX_BODY = 2048
    before = written()

    response = hotline.call("post", REPORTS, report_body(incident=incident(description="Trẻ bị đánh. " * 200)))

    assert response.status_code == 413
    assert response.json() == {"detail": "Nội dung gửi lên vượt quá giới hạn 2 KB.", "errors": []}
    assert written() == before


@pytest.mark.parametrize(
    ("sender", "commune", "name"),
    [("police_api", "00004", "Phường Ba Đình"), ("other_province_api", "14797", "Phường Hạc Thành")],
)
def test_a_commune_out_of_the_senders_scope_is_refused(request, commune_x, sender, commune, name):
    caller = request.getfixturevalue(sender)
    before = written()

    response = caller.call("post", REPORTS, report_body(incident=incident(commune=commune)))

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/incident/commune", "message": f"{name} nằm ngoài địa bàn bạn được tiếp nhận thông tin."}
    ]
    assert written() == before
    entry = AuditEntry.objects.filter(action="api.call").latest("id")
    assert entry.changes["status"] == 400 and entry.actor == caller.client.account
